//! A Manager: a server proceso that owns lists and dicts, used through proxies.
//!
//! Python's `multiprocessing.Manager()` starts a server process; `manager.list()`
//! creates a list *inside that server* and returns a proxy. Every
//! `proxy.append(x)` is a message to the server and a reply back. The notes
//! (000, "Servidor de procesos") list its advantage, any data type shared by
//! many processes, and its drawback: **latency**, every access is a round
//! trip between processes. The `manager_list` example measures it.
//!
//! Here:
//! - [`Manager::start`] re-executes this binary as [`SERVER_ROLE`]; the binary
//!   must call [`serve`] for that role (its `if __name__ == "__main__"`).
//! - [`Manager::list`] / [`Manager::dict`] create a new object in the server
//!   and return a [`ListProxy`] / [`DictProxy`].
//! - A proxy owns a private pair of ipc channels to the server (calls out,
//!   replies back), so proxies never mix up each other's replies. A proxy is
//!   `Serialize`: send it to a child process (e.g. with
//!   [`crate::child::spawn_self_with`]) and the child calls the same object.
//!   That is what Python does when it pickles a proxy into `args=(...)`.
//!   [`ListProxy::try_clone`] asks the server for another connection to the
//!   same object, one per process that needs it.
//! - Each proxy holds three file descriptors (its two channels and the
//!   control sender), in this process and, for the other ends, in the
//!   server: every channel sent over ipc-channel is an fd. Thousands of
//!   proxies need a larger `ulimit -n`.
//! - Values are a small serde enum, [`Value`]: Python's manager takes any
//!   picklable object; Rust needs the set of types named up front.
//! - Every call waits for its reply at most [`CALL_LIMIT`]; if the server is
//!   gone the call fails at once (its channel closes), it never hangs. Calls
//!   and replies are numbered: a reply that comes after its call gave up
//!   (a slow server) is recognised by its number and skipped, instead of
//!   being read as the answer to the next call.
//! - Dropping the [`Manager`] tells the server to stop and reaps it (killing
//!   it after a grace period if it does not stop).
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use ipc_channel::TryRecvError;
use ipc_channel::ipc::{self, IpcReceiver, IpcReceiverSet, IpcSelectionResult, IpcSender};
use serde::{Deserialize, Serialize};

use crate::child::{self, Child, ChildError, Exit};

/// The role this binary plays as the manager's server process.
pub const SERVER_ROLE: &str = "manager-server";

/// The longest a proxy call waits for its reply.
pub const CALL_LIMIT: Duration = Duration::from_secs(20);

/// How long the server gets to stop by itself before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// A value stored in the manager's objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_string())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

impl Value {
    /// The integer inside, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(value) => Some(*value),
            Value::Text(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(value) => write!(f, "{value}"),
            Value::Text(text) => write!(f, "{text:?}"),
        }
    }
}

/// Everything a manager call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error(transparent)]
    Child(#[from] ChildError),
    #[error("{what}: {message}")]
    Ipc { what: String, message: String },
    #[error("the manager's server is gone (its channel closed)")]
    ServerGone,
    #[error("no reply from the manager's server within {0:?}")]
    NoReply(Duration),
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
}

fn ipc_error(what: &str, error: impl fmt::Display) -> ManagerError {
    ManagerError::Ipc {
        what: what.to_string(),
        message: error.to_string(),
    }
}

/// Which object in the server a proxy talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectId {
    List(u32),
    Dict(u32),
}

/// Messages to the server's control channel: new objects, new connections.
#[derive(Debug, Serialize, Deserialize)]
enum Control {
    /// Create an object (an empty list or dict) and connect to it.
    Create { dict: bool, link: Link },
    /// Connect to an existing object.
    Connect { object: ObjectId, link: Link },
    /// Stop the server.
    Shutdown,
}

/// A proxy's private channels, server side.
#[derive(Debug, Serialize, Deserialize)]
struct Link {
    calls: IpcReceiver<Numbered<Call>>,
    replies: IpcSender<Numbered<Reply>>,
}

/// A call with its number, or a reply with the number of the call it
/// answers (`None`: the server could not read which call it was).
#[derive(Debug, Serialize, Deserialize)]
struct Numbered<M> {
    seq: Option<u64>,
    message: M,
}

/// The number of the `Connected` reply on a new link; calls count from 1.
const CONNECT_SEQ: u64 = 0;

/// One operation on an object.
#[derive(Debug, Serialize, Deserialize)]
enum Call {
    Append(Value),
    Len,
    Get(u64),
    Snapshot,
    Insert(String, Value),
    Lookup(String),
    Entries,
}

/// The server's answer to a [`Call`] or a [`Control`].
#[derive(Debug, Serialize, Deserialize)]
enum Reply {
    Connected(ObjectId),
    Done,
    Len(u64),
    Maybe(Option<Value>),
    Values(Vec<Value>),
    Entries(Vec<(String, Value)>),
    Refused(String),
}

/// What the server process receives when it starts.
#[derive(Serialize, Deserialize)]
struct ServerSetup {
    control: IpcReceiver<Control>,
}

/// The handle on a running manager server. Dropping it stops the server.
pub struct Manager {
    child: Child,
    control: IpcSender<Control>,
}

impl Manager {
    /// Starts the server process (this binary re-executed as [`SERVER_ROLE`]).
    pub fn start() -> Result<Manager, ManagerError> {
        let (control, control_rx) =
            ipc::channel().map_err(|e| ipc_error("creating the control channel", e))?;
        let setup = ServerSetup {
            control: control_rx,
        };
        let child = child::spawn_self_with(SERVER_ROLE, "manager", setup, child::STARTUP_LIMIT)?;
        Ok(Manager { child, control })
    }

    /// The server's pid.
    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// `manager.list()`: a new empty list in the server, and a proxy to it.
    pub fn list(&self) -> Result<ListProxy, ManagerError> {
        Ok(ListProxy(Proxy::create(&self.control, false)?))
    }

    /// `manager.dict()`: a new empty dict in the server, and a proxy to it.
    pub fn dict(&self) -> Result<DictProxy, ManagerError> {
        Ok(DictProxy(Proxy::create(&self.control, true)?))
    }

    /// Stops the server and reaps it; tells how it ended.
    pub fn shutdown(mut self) -> Result<Exit, ManagerError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<Exit, ManagerError> {
        let _ = self.control.send(Control::Shutdown);
        match self.child.wait_or_kill(STOP_GRACE) {
            Ok(exit) => Ok(exit),
            Err(error) => Err(error.into()),
        }
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        if self.child.exit().is_none() {
            let _ = self.stop();
        }
    }
}

/// A connection to one object in the server.
#[derive(Debug, Serialize, Deserialize)]
struct Proxy {
    object: ObjectId,
    control: IpcSender<Control>,
    calls: IpcSender<Numbered<Call>>,
    replies: IpcReceiver<Numbered<Reply>>,
    /// The number of the last call sent.
    last_seq: Cell<u64>,
}

/// The proxy's ends of a link.
type Ends = (IpcSender<Numbered<Call>>, IpcReceiver<Numbered<Reply>>);

impl Proxy {
    fn channels() -> Result<(Link, Ends), ManagerError> {
        let (calls_tx, calls_rx) =
            ipc::channel().map_err(|e| ipc_error("creating a call channel", e))?;
        let (replies_tx, replies_rx) =
            ipc::channel().map_err(|e| ipc_error("creating a reply channel", e))?;
        let link = Link {
            calls: calls_rx,
            replies: replies_tx,
        };
        Ok((link, (calls_tx, replies_rx)))
    }

    fn create(control: &IpcSender<Control>, dict: bool) -> Result<Proxy, ManagerError> {
        let (link, ends) = Proxy::channels()?;
        control
            .send(Control::Create { dict, link })
            .map_err(|_| ManagerError::ServerGone)?;
        Proxy::connected(control.clone(), ends)
    }

    fn connect(control: &IpcSender<Control>, object: ObjectId) -> Result<Proxy, ManagerError> {
        let (link, ends) = Proxy::channels()?;
        control
            .send(Control::Connect { object, link })
            .map_err(|_| ManagerError::ServerGone)?;
        Proxy::connected(control.clone(), ends)
    }

    /// Waits for the server's `Connected` on a fresh link.
    fn connected(
        control: IpcSender<Control>,
        (calls, replies): Ends,
    ) -> Result<Proxy, ManagerError> {
        match wait_reply(&replies, CONNECT_SEQ, CALL_LIMIT)? {
            Reply::Connected(object) => Ok(Proxy {
                object,
                control,
                calls,
                replies,
                last_seq: Cell::new(CONNECT_SEQ),
            }),
            other => Err(unexpected(other)),
        }
    }

    /// One round trip: send the call, wait for its reply.
    fn call(&self, call: Call) -> Result<Reply, ManagerError> {
        self.call_within(call, CALL_LIMIT)
    }

    /// One round trip, waiting at most `limit` for the reply.
    fn call_within(&self, call: Call, limit: Duration) -> Result<Reply, ManagerError> {
        let seq = self.last_seq.get() + 1;
        self.last_seq.set(seq);
        self.calls
            .send(Numbered {
                seq: Some(seq),
                message: call,
            })
            .map_err(|_| ManagerError::ServerGone)?;
        wait_reply(&self.replies, seq, limit)
    }

    fn try_clone(&self) -> Result<Proxy, ManagerError> {
        Proxy::connect(&self.control, self.object)
    }
}

/// Waits at most `limit` for the reply to call number `seq`. Replies to
/// earlier calls (which gave up waiting for them) are read and dropped.
fn wait_reply(
    replies: &IpcReceiver<Numbered<Reply>>,
    seq: u64,
    limit: Duration,
) -> Result<Reply, ManagerError> {
    let until = Instant::now() + limit;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match replies.try_recv_timeout(left) {
            Ok(Numbered {
                seq: Some(late), ..
            }) if late < seq => continue,
            Ok(Numbered {
                message: Reply::Refused(why),
                ..
            }) => return Err(ManagerError::Refused(why)),
            Ok(Numbered { message, .. }) => return Ok(message),
            Err(TryRecvError::Empty) => return Err(ManagerError::NoReply(limit)),
            Err(TryRecvError::IpcError(ipc_channel::IpcError::Disconnected)) => {
                return Err(ManagerError::ServerGone);
            }
            Err(TryRecvError::IpcError(e)) => {
                return Err(ipc_error("reading the server's reply", e));
            }
        }
    }
}

fn unexpected(reply: Reply) -> ManagerError {
    ManagerError::Protocol(format!("{reply:?}"))
}

/// A proxy to a list in the manager: Python's `manager.list()`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListProxy(Proxy);

impl ListProxy {
    /// `results.append(value)`: one round trip to the server.
    pub fn append(&self, value: impl Into<Value>) -> Result<(), ManagerError> {
        match self.0.call(Call::Append(value.into()))? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// `len(results)`.
    pub fn len(&self) -> Result<usize, ManagerError> {
        match self.0.call(Call::Len)? {
            Reply::Len(n) => Ok(n as usize),
            other => Err(unexpected(other)),
        }
    }

    /// `len(results) == 0`.
    pub fn is_empty(&self) -> Result<bool, ManagerError> {
        Ok(self.len()? == 0)
    }

    /// `results[index]`, or `None` past the end.
    pub fn get(&self, index: usize) -> Result<Option<Value>, ManagerError> {
        match self.0.call(Call::Get(index as u64))? {
            Reply::Maybe(value) => Ok(value),
            other => Err(unexpected(other)),
        }
    }

    /// `list(results)`: a copy of the whole list, in one round trip.
    pub fn snapshot(&self) -> Result<Vec<Value>, ManagerError> {
        match self.0.call(Call::Snapshot)? {
            Reply::Values(values) => Ok(values),
            other => Err(unexpected(other)),
        }
    }

    /// Another proxy to the same list (e.g. to send to a child process).
    pub fn try_clone(&self) -> Result<ListProxy, ManagerError> {
        Ok(ListProxy(self.0.try_clone()?))
    }
}

/// A proxy to a dict in the manager: Python's `manager.dict()`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DictProxy(Proxy);

impl DictProxy {
    /// `d[key] = value`; returns the value it replaced, if any.
    pub fn insert(
        &self,
        key: impl Into<String>,
        value: impl Into<Value>,
    ) -> Result<Option<Value>, ManagerError> {
        match self.0.call(Call::Insert(key.into(), value.into()))? {
            Reply::Maybe(previous) => Ok(previous),
            other => Err(unexpected(other)),
        }
    }

    /// `d.get(key)`.
    pub fn get(&self, key: &str) -> Result<Option<Value>, ManagerError> {
        match self.0.call(Call::Lookup(key.to_string()))? {
            Reply::Maybe(value) => Ok(value),
            other => Err(unexpected(other)),
        }
    }

    /// `len(d)`.
    pub fn len(&self) -> Result<usize, ManagerError> {
        match self.0.call(Call::Len)? {
            Reply::Len(n) => Ok(n as usize),
            other => Err(unexpected(other)),
        }
    }

    /// `len(d) == 0`.
    pub fn is_empty(&self) -> Result<bool, ManagerError> {
        Ok(self.len()? == 0)
    }

    /// `dict(d)`: every entry, sorted by key, in one round trip.
    pub fn snapshot(&self) -> Result<Vec<(String, Value)>, ManagerError> {
        match self.0.call(Call::Entries)? {
            Reply::Entries(entries) => Ok(entries),
            other => Err(unexpected(other)),
        }
    }

    /// Another proxy to the same dict.
    pub fn try_clone(&self) -> Result<DictProxy, ManagerError> {
        Ok(DictProxy(self.0.try_clone()?))
    }
}

/// The objects the server owns.
#[derive(Debug, Default)]
struct Objects {
    lists: Vec<Vec<Value>>,
    dicts: Vec<BTreeMap<String, Value>>,
}

impl Objects {
    fn create(&mut self, dict: bool) -> ObjectId {
        if dict {
            self.dicts.push(BTreeMap::new());
            ObjectId::Dict(self.dicts.len() as u32 - 1)
        } else {
            self.lists.push(Vec::new());
            ObjectId::List(self.lists.len() as u32 - 1)
        }
    }

    fn exists(&self, object: ObjectId) -> bool {
        match object {
            ObjectId::List(i) => (i as usize) < self.lists.len(),
            ObjectId::Dict(i) => (i as usize) < self.dicts.len(),
        }
    }

    /// Runs one call on one object. Pure: the unit tests use it directly.
    fn apply(&mut self, object: ObjectId, call: Call) -> Reply {
        match (object, call) {
            (ObjectId::List(i), call) => {
                let Some(list) = self.lists.get_mut(i as usize) else {
                    return Reply::Refused(format!("no list {i}"));
                };
                match call {
                    Call::Append(value) => {
                        list.push(value);
                        Reply::Done
                    }
                    Call::Len => Reply::Len(list.len() as u64),
                    Call::Get(index) => Reply::Maybe(list.get(index as usize).cloned()),
                    Call::Snapshot => Reply::Values(list.clone()),
                    other => Reply::Refused(format!("a list has no {other:?}")),
                }
            }
            (ObjectId::Dict(i), call) => {
                let Some(dict) = self.dicts.get_mut(i as usize) else {
                    return Reply::Refused(format!("no dict {i}"));
                };
                match call {
                    Call::Insert(key, value) => Reply::Maybe(dict.insert(key, value)),
                    Call::Lookup(key) => Reply::Maybe(dict.get(&key).cloned()),
                    Call::Len => Reply::Len(dict.len() as u64),
                    Call::Entries => {
                        Reply::Entries(dict.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    }
                    other => Reply::Refused(format!("a dict has no {other:?}")),
                }
            }
        }
    }
}

/// One connected proxy, server side.
struct Client {
    object: ObjectId,
    replies: IpcSender<Numbered<Reply>>,
}

/// The server process's body: call it from `main` when [`child::role`] is
/// [`SERVER_ROLE`]. Serves every proxy, one message at a time, so each call
/// is atomic, until told to stop or until every control sender is gone.
/// CPython's manager differs: it runs one thread per connection, and a call
/// runs on the object with no lock of the manager's (its `mutex` guards only
/// its own bookkeeping: creating objects, reference counts); a single
/// `list.append` looks atomic there because of the server's GIL, a
/// read-modify-write over two calls is not (`managers.py`, `serve_client`).
pub fn serve() -> Result<(), ManagerError> {
    // If the owner dies (killed, crashed), so do we: no orphan server.
    child::die_with_parent()?;
    // Ctrl-C at the terminal is for the parent, which stops us in order.
    child::block_ctrl_c()?;
    let setup: ServerSetup = child::receive_arg(child::STARTUP_LIMIT)?;
    let mut receivers =
        IpcReceiverSet::new().map_err(|e| ipc_error("creating the receiver set", e))?;
    let control_id = receivers
        .add(setup.control)
        .map_err(|e| ipc_error("watching the control channel", e))?;
    let mut objects = Objects::default();
    let mut clients: HashMap<u64, Client> = HashMap::new();

    loop {
        // No deadline on purpose: a server waits for calls as long as it
        // lives. Its owner stops it with Shutdown, or by going away.
        let events = receivers
            .select()
            .map_err(|e| ipc_error("waiting for calls", e))?;
        for event in events {
            match event {
                IpcSelectionResult::MessageReceived(id, message) if id == control_id => {
                    let control: Control = message
                        .to()
                        .map_err(|e| ipc_error("reading a control message", e))?;
                    let (object, link) = match control {
                        Control::Shutdown => return Ok(()),
                        Control::Create { dict, link } => (objects.create(dict), link),
                        Control::Connect { object, link } => {
                            if !objects.exists(object) {
                                let _ = link.replies.send(Numbered {
                                    seq: Some(CONNECT_SEQ),
                                    message: Reply::Refused(format!("no object {object:?}")),
                                });
                                continue;
                            }
                            (object, link)
                        }
                    };
                    let client_id = receivers
                        .add(link.calls)
                        .map_err(|e| ipc_error("watching a proxy", e))?;
                    let _ = link.replies.send(Numbered {
                        seq: Some(CONNECT_SEQ),
                        message: Reply::Connected(object),
                    });
                    clients.insert(
                        client_id,
                        Client {
                            object,
                            replies: link.replies,
                        },
                    );
                }
                // Every holder of the control channel is gone: nobody can
                // create or connect any more, and the owner is gone.
                IpcSelectionResult::ChannelClosed(id) if id == control_id => return Ok(()),
                IpcSelectionResult::MessageReceived(id, message) => {
                    let Some(client) = clients.get(&id) else {
                        continue;
                    };
                    let reply = match message.to::<Numbered<Call>>() {
                        Ok(Numbered { seq, message: call }) => Numbered {
                            seq,
                            message: objects.apply(client.object, call),
                        },
                        Err(e) => Numbered {
                            seq: None,
                            message: Reply::Refused(format!("unreadable call: {e}")),
                        },
                    };
                    // A proxy that went away mid-call is not our problem.
                    let _ = client.replies.send(reply);
                }
                IpcSelectionResult::ChannelClosed(id) => {
                    clients.remove(&id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_append_count_index_and_copy() {
        let mut objects = Objects::default();
        let list = objects.create(false);
        assert!(matches!(
            objects.apply(list, Call::Append(Value::Int(5))),
            Reply::Done
        ));
        assert!(matches!(
            objects.apply(list, Call::Append("x".into())),
            Reply::Done
        ));
        assert!(matches!(objects.apply(list, Call::Len), Reply::Len(2)));
        assert!(
            matches!(objects.apply(list, Call::Get(1)), Reply::Maybe(Some(Value::Text(t))) if t == "x")
        );
        assert!(matches!(
            objects.apply(list, Call::Get(9)),
            Reply::Maybe(None)
        ));
        match objects.apply(list, Call::Snapshot) {
            Reply::Values(values) => assert_eq!(values, vec![Value::Int(5), Value::from("x")]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dicts_insert_replace_and_look_up() {
        let mut objects = Objects::default();
        let dict = objects.create(true);
        assert!(matches!(
            objects.apply(dict, Call::Insert("a".into(), Value::Int(1))),
            Reply::Maybe(None)
        ));
        assert!(matches!(
            objects.apply(dict, Call::Insert("a".into(), Value::Int(2))),
            Reply::Maybe(Some(Value::Int(1)))
        ));
        assert!(matches!(
            objects.apply(dict, Call::Lookup("a".into())),
            Reply::Maybe(Some(Value::Int(2)))
        ));
        assert!(matches!(
            objects.apply(dict, Call::Lookup("b".into())),
            Reply::Maybe(None)
        ));
        assert!(matches!(objects.apply(dict, Call::Len), Reply::Len(1)));
    }

    #[test]
    fn wrong_calls_and_unknown_objects_are_refused_not_panicked_on() {
        let mut objects = Objects::default();
        let list = objects.create(false);
        assert!(matches!(
            objects.apply(list, Call::Lookup("a".into())),
            Reply::Refused(_)
        ));
        assert!(matches!(
            objects.apply(ObjectId::Dict(7), Call::Len),
            Reply::Refused(_)
        ));
        assert!(!objects.exists(ObjectId::List(1)));
    }

    #[test]
    fn a_late_reply_is_not_taken_for_the_next_calls_answer() {
        // The proxy's channels, with a thread of this test as the server.
        let (calls, calls_rx) = ipc::channel::<Numbered<Call>>().unwrap();
        let (replies_tx, replies) = ipc::channel::<Numbered<Reply>>().unwrap();
        let (control, _control_rx) = ipc::channel::<Control>().unwrap();
        let list = ListProxy(Proxy {
            object: ObjectId::List(0),
            control,
            calls,
            replies,
            last_seq: Cell::new(CONNECT_SEQ),
        });
        let (late_tx, late_rx) = std::sync::mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            let mut objects = Objects::default();
            let id = objects.create(false);
            let answer = |objects: &mut Objects, call: Numbered<Call>| Numbered {
                seq: call.seq,
                message: objects.apply(id, call.message),
            };
            // The first call is answered only after the proxy gave up on it.
            let first = calls_rx.recv().unwrap();
            late_rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the test goes on");
            replies_tx.send(answer(&mut objects, first)).unwrap();
            // Every later call at once.
            while let Ok(call) = calls_rx.recv() {
                replies_tx.send(answer(&mut objects, call)).unwrap();
            }
        });

        let timed_out = list
            .0
            .call_within(Call::Append(Value::Int(5)), Duration::from_millis(50));
        assert!(
            matches!(timed_out, Err(ManagerError::NoReply(_))),
            "{timed_out:?}"
        );
        late_tx.send(()).unwrap();
        // The late `Done` for the append arrives first on the channel: it
        // must be skipped, and len() get its own reply.
        assert_eq!(list.len().unwrap(), 1);
        assert_eq!(list.get(0).unwrap(), Some(Value::Int(5)));
        drop(list);
        server.join().unwrap();
    }

    #[test]
    fn values_convert_and_print() {
        assert_eq!(Value::from(3).as_int(), Some(3));
        assert_eq!(Value::from("hola").to_string(), "\"hola\"");
        assert_eq!(Value::from("hola").as_int(), None);
    }
}
