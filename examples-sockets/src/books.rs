//! The coordinator's books in `distributed_work`: who has which chunk,
//! what is done, which workers were lost, and what happens then. Read it
//! beside `src/bin/distributed_work.rs`, whose loop calls [`Books::handle`]
//! for every event and [`Books::lose`] for every worker gone silent.
//!
//! The rules, the lesson of the example:
//! - a lost worker's chunk goes back to the FRONT of the queue, so it is
//!   redone next, by whoever is free;
//! - the first answer for a chunk counts; any later one (a worker that was
//!   only slow or stopped, and comes back) is a duplicate: compared, and
//!   not counted twice;
//! - a silent worker that speaks again is alive again.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::TcpStream;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use shared::output::say;
use shared::timeline::{Kind, Timeline};

use crate::distributed::{self as dw, Chunk, Event, ToCoordinator};

#[derive(PartialEq)]
pub enum State {
    Alive,
    Silent,
    Gone,
}

pub struct Peer {
    pub did: dw::Did, // name, pid, address, chunks answered
    pub writer: TcpStream,
    pub state: State,
    pub heard: Instant,
    pub task: Option<(Chunk, Instant)>,
}

/// The coordinator's books: who has which chunk, what is done, what was lost.
#[derive(Default)]
pub struct Books {
    pub peers: BTreeMap<usize, Peer>,
    pub pending: VecDeque<Chunk>,
    pub done: BTreeMap<u32, u64>,
    /// Chunks put back in the queue, and who lost each.
    pub lost: Vec<(u32, String)>,
    /// Lost chunks whose counted answer came from another worker.
    pub redone: u64,
    /// Workers started here with the `late` fault (name, pid): each is woken
    /// once the chunk it lost is done elsewhere (chunk -> pid in `to_wake`).
    pub late: Vec<(String, u32)>,
    pub to_wake: BTreeMap<u32, u32>,
    pub last_alive: Option<Instant>,
    pub workers_lost: BTreeSet<String>,
    pub late_duplicates: u64,
    pub refused: u64,
    pub finished: bool, // Done was sent: a closing connection is a goodbye
    pub timeline: Timeline,
}

impl Books {
    /// Books for `chunks`, all pending; `late` are the workers started with
    /// the `late` fault (the demo wakes each once its chunk was redone).
    pub fn new(chunks: &[Chunk], late: Vec<(String, u32)>) -> Books {
        let pending = chunks.iter().copied().collect();
        Books {
            pending,
            late,
            ..Books::default()
        }
    }

    /// Waits up to 20 ms for an event, then handles every event waiting: if
    /// the coordinator itself was held up, the heartbeats that came meanwhile
    /// are read before anyone is judged silent.
    pub fn next_event(&mut self, events: &Receiver<Event>) {
        if let Ok(event) = events.recv_timeout(Duration::from_millis(20)) {
            self.handle(event, Instant::now());
            while let Ok(event) = events.try_recv() {
                self.handle(event, Instant::now());
            }
        }
    }

    /// Every live worker silent for longer than `deadline` is lost.
    pub fn lose_the_silent(&mut self, deadline: Duration, now: Instant) {
        let silent: Vec<usize> = (self.peers.iter())
            .filter(|(_, p)| p.state == State::Alive && now - p.heard > deadline)
            .map(|(id, _)| *id)
            .collect();
        let why = format!("no heartbeat for {} ms", deadline.as_millis());
        for id in silent {
            self.lose(id, State::Silent, &why, now);
        }
    }

    /// Whether the workers started here (`started`, of which `running` have
    /// not exited) are all lost: all joined or exited, none alive, and all
    /// gone or silent for 4 deadlines. With workers by hand (`started` 0)
    /// never: more may join.
    pub fn all_lost(&mut self, started: usize, running: usize, deadline: Duration) -> bool {
        let now = Instant::now();
        if self.peers.values().any(|p| p.state == State::Alive) {
            self.last_alive = Some(now);
            return false;
        }
        let silent_for = now - *self.last_alive.get_or_insert(now);
        let all_here = self.peers.len() >= started || running == 0;
        let all_gone = self.peers.values().all(|p| p.state == State::Gone);
        started > 0 && all_here && (all_gone || silent_for > 4 * deadline)
    }

    /// A worker is lost: its chunk, if it had one, goes back to the front of the queue.
    pub fn lose(&mut self, id: usize, state: State, why: &str, now: Instant) {
        let Some(p) = self.peers.get_mut(&id) else {
            return;
        };
        p.state = state;
        self.workers_lost.insert(p.did.name.clone());
        let Some((chunk, sent)) = p.task.take() else {
            return say(format!("{} lost ({why}) while idle", p.did.name));
        };
        say(format!(
            "{} lost ({why}) with chunk {}: back to the queue",
            p.did.name, chunk.id
        ));
        self.timeline.record(&p.did.name, Kind::Lost, sent, now);
        self.pending.push_front(chunk);
        self.lost.push((chunk.id, p.did.name.clone()));
        // The demo's late worker (started here: its pid is ours, not a claim).
        let ours = self.late.contains(&(p.did.name.clone(), p.did.pid));
        if p.state == State::Silent && ours && !self.to_wake.values().any(|&w| w == p.did.pid) {
            self.to_wake.insert(chunk.id, p.did.pid);
        }
    }

    pub fn handle(&mut self, event: Event, now: Instant) {
        let (id, message) = match event {
            Event::Joined {
                id,
                name,
                pid,
                peer,
                writer,
            } => {
                say(format!("{name} joined from {peer} (pid {pid})"));
                let did = dw::Did {
                    name,
                    pid,
                    from: peer,
                    chunks: vec![],
                };
                let (state, heard, task) = (State::Alive, now, None);
                self.peers.insert(
                    id,
                    Peer {
                        did,
                        writer,
                        state,
                        heard,
                        task,
                    },
                );
                return;
            }
            Event::Gone(id, why) if !self.peers.contains_key(&id) => {
                self.refused += 1;
                return say(format!("refused a connection: {why}"));
            }
            Event::Gone(id, _) if self.finished => {
                return self.peers.get_mut(&id).unwrap().state = State::Gone;
            }
            Event::Gone(id, why) => return self.lose(id, State::Gone, &why, now),
            Event::Message(id, message) => (id, message),
        };
        let Some(p) = self.peers.get_mut(&id) else {
            return;
        };
        p.heard = now;
        if p.state == State::Silent {
            say(format!("{} is back", p.did.name));
            p.state = State::Alive;
        }
        let ToCoordinator::Result { chunk, sum } = message else {
            return;
        };
        // Redone: lost by one worker, answered by another.
        let redone = (self.lost.iter()).any(|(c, who)| *c == chunk && *who != p.did.name);
        if let Some((_, sent)) = p.task.take_if(|(c, _)| c.id == chunk) {
            let kind = if redone { Kind::Redone } else { Kind::Cpu };
            self.timeline.record(&p.did.name, kind, sent, now);
        }
        if let Some(&first) = self.done.get(&chunk) {
            // A second answer (a late worker's, or a redo's): not counted again.
            self.late_duplicates += 1;
            let same = if first == sum {
                "the same"
            } else {
                "a DIFFERENT"
            };
            let who = &p.did.name;
            return say(format!(
                "late answer for chunk {chunk} from {who}: already done ({same} sum), ignored"
            ));
        }
        // The first answer counts; if the chunk was waiting to be redone, it
        // need not be any more (its worker was only slow).
        self.done.insert(chunk, sum);
        self.pending.retain(|c| c.id != chunk);
        self.redone += u64::from(redone);
        let mark = if redone { " (redone)" } else { "" };
        p.did.chunks.push(format!("{chunk}{mark}"));
        let answered_by = p.did.pid;
        if let Some(pid) = self
            .to_wake
            .remove(&chunk)
            .filter(|&pid| pid != answered_by)
        {
            say(format!(
                "chunk {chunk} is done: SIGCONT to the stopped worker that had it"
            ));
            // Count it alive again, so the end waits for its (late) answer.
            if dw::wake(pid).unwrap_or(false)
                && let Some(w) = self.peers.values_mut().find(|w| w.did.pid == pid)
            {
                (w.state, w.heard) = (State::Alive, Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn joined(books: &mut Books, id: usize, name: &str, listener: &TcpListener) -> TcpStream {
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (writer, peer) = listener.accept().unwrap();
        // A pid no process can have (over i32::MAX): the SIGCONT goes nowhere.
        let (name, pid) = (name.to_string(), u32::MAX - id as u32);
        let event = Event::Joined {
            id,
            name,
            pid,
            peer,
            writer,
        };
        books.handle(event, Instant::now());
        client
    }

    #[test]
    fn a_lost_chunk_is_redone_first_and_a_late_answer_counts_once() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let chunks = dw::job(3, 10);
        let mut books = Books::new(&chunks, vec![("w1".into(), u32::MAX - 1)]);
        let _c0 = joined(&mut books, 0, "w0", &listener);
        let _c1 = joined(&mut books, 1, "w1", &listener);
        // w1 takes chunk 0 and goes silent: chunk 0 is back at the front.
        let first = books.pending.pop_front().unwrap();
        books.peers.get_mut(&1).unwrap().task = Some((first, Instant::now()));
        let later = Instant::now() + Duration::from_secs(5);
        books.peers.get_mut(&0).unwrap().heard = later;
        books.lose_the_silent(Duration::from_secs(1), later);
        assert!(books.peers[&1].state == State::Silent);
        assert_eq!(books.pending.front(), Some(&first));
        assert_eq!(books.to_wake.get(&first.id), Some(&(u32::MAX - 1)));
        // w0 redoes it; its answer counts and wakes w1.
        let chunk = books.pending.pop_front().unwrap();
        books.peers.get_mut(&0).unwrap().task = Some((chunk, later));
        let sum = 77;
        books.handle(
            Event::Message(0, ToCoordinator::Result { chunk: 0, sum }),
            later,
        );
        assert_eq!(books.done.get(&0), Some(&77));
        // (The pid is no process's, so the wake-up fails and w1 stays silent.)
        assert!(books.to_wake.is_empty());
        assert_eq!(books.redone, 1);
        // w1's late answer: a duplicate, not counted.
        books.handle(
            Event::Message(1, ToCoordinator::Result { chunk: 0, sum }),
            later,
        );
        assert_eq!((books.done.len(), books.late_duplicates), (1, 1));
        assert_eq!(books.peers[&0].did.chunks, ["0 (redone)"]);
        assert!(books.peers[&1].did.chunks.is_empty());
    }

    #[test]
    fn a_worker_back_before_the_redo_keeps_its_chunk() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let chunks = dw::job(2, 10);
        let mut books = Books::new(&chunks, vec![]);
        let _c0 = joined(&mut books, 0, "w0", &listener);
        let first = books.pending.pop_front().unwrap();
        books.peers.get_mut(&0).unwrap().task = Some((first, Instant::now()));
        let later = Instant::now() + Duration::from_secs(5);
        books.lose_the_silent(Duration::from_secs(1), later);
        assert_eq!(books.pending.len(), 2, "chunk 0 back in the queue");
        // Only slow: it answers before anyone redid the chunk.
        let answer = ToCoordinator::Result { chunk: 0, sum: 5 };
        books.handle(Event::Message(0, answer), later);
        assert!(books.peers[&0].state == State::Alive);
        assert_eq!(books.pending.len(), 1, "no redo needed any more");
        assert_eq!((books.redone, books.late_duplicates), (0, 0));
        assert_eq!(books.peers[&0].did.chunks, ["0"]);
    }

    #[test]
    fn a_connection_that_never_registered_is_refused_not_lost() {
        let mut books = Books::new(&dw::job(1, 10), vec![]);
        books.handle(Event::Gone(7, "sent no Register".into()), Instant::now());
        assert_eq!(books.refused, 1);
        assert!(books.workers_lost.is_empty());
        assert_eq!(books.pending.len(), 1);
    }
}
