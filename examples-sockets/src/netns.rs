//! Separate network hosts on one machine: each worker in its own network
//! namespace (its own interfaces, addresses, routes and ports), all joined
//! by a private switch (a bridge) to the coordinator's namespace.
//!
//! ```text
//!  coordinator (this namespace)     cdw7br 10.213.7.1/24   (the switch)
//!        |-- cdw7h0 <veth> cdw7p0  in netns cdw7-w0  10.213.7.2
//!        |-- cdw7h1 <veth> cdw7p1  in netns cdw7-w1  10.213.7.3
//! ```
//!
//! Made with iproute2's `ip`, as a student would by hand; needs root.
//! Everything made is listed as it is made and removed by [`Network::cleanup`]
//! (also on drop), so a failed run or a Ctrl-C leaves nothing behind. Each
//! worker's namespace has one interface and one route, its /24 on the
//! bridge, and no default route: it can reach the bridge's subnet and
//! nothing else. The coordinator listens on the bridge's address. (Linux
//! answers for a local address on any interface, so this host's own
//! programs could connect to it too; nothing from the workers leaves.)

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};

/// Why the hosts could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    #[error(
        "--hosts netns makes network namespaces, which needs root (uid {uid} is not): \
         run it with sudo, or use --hosts local"
    )]
    NotRoot { uid: u32 },
    #[error("--hosts netns is Linux only (network namespaces are a Linux feature)")]
    NotLinux,
    #[error("`ip` (iproute2) is needed for --hosts netns: {0}")]
    NoIp(std::io::Error),
    #[error("no free network number: cdw1br..cdw250br all exist (leftovers? `ip link show`)")]
    NoFreeNumber,
    #[error("`ip {command}` failed: {stderr}")]
    Ip { command: String, stderr: String },
    #[error("--hosts netns takes at most {max} workers")]
    TooMany { max: usize },
}

/// The namespaces, links and bridge of one run.
#[derive(Debug)]
pub struct Network {
    number: u8,
    workers: usize,
    /// What exists now, in the order it was made.
    made: Vec<Made>,
}

#[derive(Debug)]
enum Made {
    Bridge(String),
    Namespace(String),
    Link(String),
}

impl Network {
    /// Makes a bridge and `workers` namespaces, each with a veth link to it.
    pub fn create(workers: usize) -> Result<Network, NetnsError> {
        if !cfg!(target_os = "linux") {
            return Err(NetnsError::NotLinux);
        }
        let uid = nix::unistd::geteuid();
        if !uid.is_root() {
            return Err(NetnsError::NotRoot { uid: uid.as_raw() });
        }
        if workers > 200 {
            return Err(NetnsError::TooMany { max: 200 });
        }
        Command::new("ip")
            .arg("-V")
            .stdout(Stdio::null())
            .status()
            .map_err(NetnsError::NoIp)?;
        // Taking a number is making its bridge: `ip link add` fails with
        // "File exists" if the name is taken, so two runs never share one.
        // Each run starts looking at a number of its own (from its pid).
        let start = std::process::id() as usize % 250;
        let mut number = None;
        for n in (0..250).map(|k| 1 + ((start + k) % 250) as u8) {
            match ip(&["link", "add", &format!("cdw{n}br"), "type", "bridge"]) {
                Ok(()) => {
                    number = Some(n);
                    break;
                }
                Err(NetnsError::Ip { stderr, .. }) if stderr.contains("File exists") => {}
                Err(e) => return Err(e), // no permission (no CAP_NET_ADMIN), no bridge support...
            }
        }
        let number = number.ok_or(NetnsError::NoFreeNumber)?;
        let mut net = Network {
            number,
            workers,
            made: vec![Made::Bridge(format!("cdw{number}br"))],
        };
        net.build()?; // on an error, dropping `net` removes what was made
        Ok(net)
    }

    fn build(&mut self) -> Result<(), NetnsError> {
        let n = self.number;
        let bridge = format!("cdw{n}br");
        ip(&[
            "addr",
            "add",
            &format!("{}/24", self.coordinator_ip()),
            "dev",
            &bridge,
        ])?;
        ip(&["link", "set", &bridge, "up"])?;
        for k in 0..self.workers {
            let ns = self.namespace(k);
            ip(&["netns", "add", &ns])?;
            self.made.push(Made::Namespace(ns.clone()));
            let (host, peer) = (format!("cdw{n}h{k}"), format!("cdw{n}p{k}"));
            ip(&[
                "link", "add", &host, "type", "veth", "peer", "name", &peer, "netns", &ns,
            ])?;
            // Deleted by name: a deleted namespace takes its end of the pair
            // with it only later, when the kernel gets round to freeing it.
            self.made.push(Made::Link(host.clone()));
            ip(&["link", "set", &host, "master", &bridge, "up"])?;
            let addr = format!("{}/24", self.worker_ip(k));
            ip(&["-n", &ns, "addr", "add", &addr, "dev", &peer])?;
            ip(&["-n", &ns, "link", "set", &peer, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    /// The coordinator's address on the private switch.
    pub fn coordinator_ip(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 213, self.number, 1)
    }

    /// Worker `k`'s address, inside its namespace.
    pub fn worker_ip(&self, k: usize) -> Ipv4Addr {
        Ipv4Addr::new(10, 213, self.number, 2 + k as u8)
    }

    /// Worker `k`'s namespace name.
    pub fn namespace(&self, k: usize) -> String {
        format!("cdw{}-w{k}", self.number)
    }

    /// The prefix of every name this run made (tests look for leftovers).
    pub fn tag(&self) -> String {
        format!("cdw{}", self.number)
    }

    /// `program` run inside worker `k`'s namespace: `ip netns exec ...`
    /// (ip execs it, so the child's pid is the program's).
    pub fn command_in(&self, k: usize, program: &Path) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.namespace(k)])
            .arg(program);
        command
    }

    /// Removes everything made, newest first; returns what could not be
    /// removed (empty when all went). Kill the processes inside first: a
    /// namespace lives on, nameless, while a process is in it.
    pub fn cleanup(&mut self) -> Vec<String> {
        let mut failed = Vec::new();
        while let Some(made) = self.made.pop() {
            let result = match &made {
                Made::Namespace(ns) => ip(&["netns", "del", ns]),
                Made::Bridge(br) | Made::Link(br) => ip(&["link", "del", br]),
            };
            if let Err(e) = result {
                failed.push(e.to_string());
            }
        }
        failed
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for problem in self.cleanup() {
            eprintln!("netns cleanup: {problem}");
        }
    }
}

/// Namespaces and links whose names start with `tag` (e.g. "cdw7"): what a
/// run left behind. Empty after every run, however it ended.
pub fn leftovers(tag: &str) -> Vec<String> {
    let mut found = Vec::new();
    for args in [&["netns", "list"][..], &["-o", "link", "show"][..]] {
        if let Ok(out) = Command::new("ip").args(args).output() {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                // `ip netns list`: "name (id: 3)"; `ip -o link`: "12: name@..: <..>"
                let name = match line.split_once(": ") {
                    Some((index, rest)) if index.trim().parse::<u32>().is_ok() => rest,
                    _ => line,
                };
                let name = name.split([' ', '@', ':']).next().unwrap_or("");
                let after = name.strip_prefix(tag);
                // "cdw7" must not match "cdw70br".
                if after.is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit())) {
                    found.push(name.to_string());
                }
            }
        }
    }
    found
}

fn ip(args: &[&str]) -> Result<(), NetnsError> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(NetnsError::NoIp)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(NetnsError::Ip {
            command: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}
