//! The Rust-side state of one instance that the native functions read and write: the clock and
//! random generator, the executions in flight with everything they recorded, and the queue of
//! host operations waiting for the driver.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

use actsim_cache::CacheStore;

use crate::clock::Clock;
use crate::ops::{ExecId, HostOp, OpId};
use crate::report::{ActionError, ErrorKind, ExecutionReport, Outcome, Trigger};
use crate::rng::SeededRng;
use crate::source::ActionSource;
use crate::InstanceConfig;

/// A cache store shared between the instance and whoever owns it (one per instance and trigger,
/// or one for all instances in a `shared` simulation).
pub type SharedCache = Rc<RefCell<CacheStore>>;

/// One execution in flight.
pub(crate) struct ExecState {
    pub report: ExecutionReport,
    pub cache: SharedCache,
    pub cache_writes: u32,
    pub console_bytes: usize,
    /// Bytes the execution has handed the host so far ([`HostState::charge`]).
    pub host_bytes: usize,
    pub cpu_used: Duration,
}

/// Everything the native functions share.
pub(crate) struct HostState {
    pub clock: Clock,
    pub rng: SeededRng,
    pub started_at_ms: i64,
    pub action: ActionSource,
    pub config: InstanceConfig,
    pub current_exec: Option<ExecId>,
    pub next_exec: ExecId,
    pub execs: BTreeMap<ExecId, ExecState>,
    pub finished: Vec<ExecutionReport>,
    pub new_ops: Vec<HostOp>,
    pub pending_ops: BTreeMap<OpId, Option<ExecId>>,
    pub next_op: OpId,
    pub cancelled_ops: BTreeSet<OpId>,
    /// Whether a promise rejection was recorded (handles.rs: `Rejections`) since the host last
    /// settled them.
    pub rejections_pending: bool,
    /// Console lines written when no execution was running (e.g. a late timer).
    pub orphan_console: Vec<crate::report::ConsoleLine>,
    /// Bytes of [`HostState::orphan_console`] (kept up to the console cap).
    pub orphan_console_bytes: usize,
    /// Executions stopped at their host data limit: natives they call keep throwing.
    pub host_limited: BTreeSet<ExecId>,
    /// An execution ended with `OutOfMemory`, however the error reached the host.
    pub out_of_memory: bool,
    /// Whether the allocator refused memory during the current entry into JavaScript.
    pub memory: crate::leak_check::MemoryWatch,
    /// Module resolution (node_modules, Actions Modules) and the files JS may load.
    pub modules: crate::modules::ModuleSystem,
}

pub(crate) type HostStateRef = Rc<RefCell<HostState>>;

impl HostState {
    /// Allocate an op id for the current execution and queue the op for the driver.
    pub fn queue_op(&mut self, kind: crate::ops::HostOpKind) -> OpId {
        self.next_op += 1;
        let id = self.next_op;
        let exec_id = self.current_exec;
        self.pending_ops.insert(id, exec_id);
        self.new_ops.push(HostOp { id, exec_id, kind });
        id
    }

    /// Count `bytes` that execution `exec_id` hands the host (api command arguments, console
    /// text, cache keys and values, fetch requests and responses). Past the instance's
    /// `max_host_bytes_per_execution` the execution ends with `HostLimitExceeded`; the returned
    /// message is for the exception the native throws (then and on every later call).
    pub fn charge(&mut self, exec_id: ExecId, bytes: usize) -> Result<(), String> {
        let limit = self.config.max_host_bytes_per_execution;
        let Some(exec) = self.execs.get_mut(&exec_id) else {
            return match self.host_limited.contains(&exec_id) {
                true => Err(host_limit_message(limit)),
                false => Ok(()),
            };
        };
        exec.host_bytes = exec.host_bytes.saturating_add(bytes);
        if exec.host_bytes <= limit {
            return Ok(());
        }
        let message = host_limit_message(limit);
        let error = ActionError {
            kind: ErrorKind::HostLimitExceeded,
            name: "HostLimitExceeded".to_string(),
            message: message.clone(),
            location: None,
            stack: String::new(),
        };
        self.host_limited.insert(exec_id);
        self.finish(exec_id, Outcome::Failed { error });
        Err(message)
    }

    /// End an execution with `outcome` unless it has already ended; returns whether it ended now.
    pub fn finish(&mut self, exec_id: ExecId, mut outcome: Outcome) -> bool {
        let Some(mut state) = self.execs.remove(&exec_id) else {
            return false;
        };
        if let Outcome::Failed { error } = &mut outcome {
            if self.memory.refused() {
                crate::errors::name_out_of_memory(error);
            }
        }
        if matches!(&outcome, Outcome::Failed { error } if error.kind == ErrorKind::OutOfMemory) {
            self.out_of_memory = true;
        }
        state.report.outcome = outcome;
        state.report.finished_at_ms = self.clock.now_ms();
        self.finished.push(state.report);
        true
    }

    /// Start bookkeeping for a new execution.
    pub fn begin(&mut self, trigger: Trigger, handler: &str, cache: SharedCache) -> ExecId {
        self.next_exec += 1;
        let exec_id = self.next_exec;
        let now = self.clock.now_ms();
        let report = ExecutionReport::started(exec_id, trigger, handler, now);
        self.execs.insert(
            exec_id,
            ExecState {
                report,
                cache,
                cache_writes: 0,
                console_bytes: 0,
                host_bytes: 0,
                cpu_used: Duration::ZERO,
            },
        );
        exec_id
    }
}

/// The error of an execution stopped at its host data limit of `limit` bytes.
fn host_limit_message(limit: usize) -> String {
    format!(
        "the execution handed the host more than {limit} bytes ({:.1} MiB: api command arguments, console output, cache keys and values, fetch requests and responses) and was stopped at the per-execution host data limit; raise it with --host-limit (run) or `host_mib` under [limits] (scenarios) if the action really needs more",
        limit as f64 / (1024.0 * 1024.0)
    )
}

/// The CPU deadline checked by the runtime's interrupt handler. Only wall-clock reading in the
/// crate: it can end a runaway execution but never changes the result of one that finishes.
#[derive(Clone, Default)]
pub(crate) struct CpuDeadline(Rc<RefCell<Option<Instant>>>);

impl CpuDeadline {
    pub fn arm(&self, budget: Duration) -> Instant {
        let start = Instant::now();
        *self.0.borrow_mut() = Some(start + budget);
        start
    }

    pub fn disarm(&self) {
        *self.0.borrow_mut() = None;
    }

    pub fn expired(&self) -> bool {
        matches!(*self.0.borrow(), Some(d) if Instant::now() >= d)
    }
}
