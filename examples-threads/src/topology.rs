//! The machine's CPUs as Linux describes them in sysfs, for `cpu_topology`.
//!
//! `/sys/devices/system/cpu/online` lists the CPUs the kernel runs on ("0-3"
//! or "0,2-5"); each has `cpu<N>/topology/physical_package_id` (its socket,
//! the notes' "board con más de un CPU") and `core_id` (its core within that
//! socket). Hardware threads sharing a core (SMT, "hyper-threading") have the
//! same package and core ids. On a virtual machine these are what the
//! hypervisor chose to show, not necessarily the real chips.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::os_threads::OsInfoError;

/// Sockets, cores and hardware threads of this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Physical packages (sockets): more than one makes it a multiprocessor.
    pub sockets: usize,
    /// Distinct (socket, core) pairs: more than one per socket is multinúcleo.
    pub cores: usize,
    /// Online logical CPUs: what the scheduler places threads on.
    pub hardware_threads: usize,
    /// The online CPUs' numbers.
    pub online: Vec<usize>,
    /// `model name` from /proc/cpuinfo, when it has one.
    pub model: Option<String>,
}

/// Parses a kernel CPU list such as `0-3,6,8-9` into `[0, 1, 2, 3, 6, 8, 9]`.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi): (usize, usize) = (lo.parse().ok()?, hi.parse().ok()?);
                cpus.extend(lo..=hi);
            }
            None => cpus.push(part.parse().ok()?),
        }
    }
    Some(cpus)
}

fn read(path: &Path) -> Result<String, OsInfoError> {
    fs::read_to_string(path).map_err(|source| OsInfoError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads the topology from sysfs (Linux only: `Unsupported` elsewhere).
pub fn read_topology() -> Result<Topology, OsInfoError> {
    let base = Path::new("/sys/devices/system/cpu");
    if !base.join("online").is_file() {
        return Err(OsInfoError::Unsupported);
    }
    let online = parse_cpu_list(&read(&base.join("online"))?)
        .ok_or_else(|| OsInfoError::Format(base.join("online").display().to_string()))?;
    let mut sockets = BTreeSet::new();
    let mut cores = BTreeSet::new();
    for cpu in &online {
        let dir = base.join(format!("cpu{cpu}/topology"));
        let number = |file: &str| -> Result<i64, OsInfoError> {
            let path = dir.join(file);
            read(&path)?
                .trim()
                .parse()
                .map_err(|_| OsInfoError::Format(path.display().to_string()))
        };
        let socket = number("physical_package_id")?;
        sockets.insert(socket);
        cores.insert((socket, number("core_id")?));
    }
    let model = fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
    });
    Ok(Topology {
        sockets: sockets.len(),
        cores: cores.len(),
        hardware_threads: online.len(),
        online,
        model,
    })
}

/// How many samples saw each CPU: `[1, 0, 1]` -> `{0: 1, 1: 2}`.
pub fn tally(samples: &[usize]) -> BTreeMap<usize, u64> {
    let mut seen = BTreeMap::new();
    for &cpu in samples {
        *seen.entry(cpu).or_insert(0) += 1;
    }
    seen
}

/// `[0, 1, 3]` as `0,1,3`: the form the result lines use.
pub fn join_cpus(cpus: impl IntoIterator<Item = usize>) -> String {
    cpus.into_iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse_as_the_kernel_writes_them() {
        assert_eq!(parse_cpu_list("0-1\n"), Some(vec![0, 1]));
        assert_eq!(parse_cpu_list("0,2-4,7"), Some(vec![0, 2, 3, 4, 7]));
        assert_eq!(parse_cpu_list("5"), Some(vec![5]));
        assert_eq!(parse_cpu_list("x"), None);
        assert_eq!(join_cpus([0, 2, 3]), "0,2,3");
        assert_eq!(tally(&[1, 0, 1]), BTreeMap::from([(0, 1), (1, 2)]));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_has_at_least_one_of_each() {
        let t = read_topology().unwrap();
        assert!(t.sockets >= 1 && t.sockets <= t.cores && t.cores <= t.hardware_threads);
        assert_eq!(t.online.len(), t.hardware_threads);
    }
}
