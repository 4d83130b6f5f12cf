//! The engine's memory accounting: every instance's runtime allocates through
//! [`EngineAllocator`], which enforces the instance's memory limit itself and remembers that it
//! refused a block, and (in debug builds) checks for leaks at instance teardown.
//!
//! Why the limit lives here and not in QuickJS (`JS_SetMemoryLimit`): when the engine cannot
//! allocate even the `InternalError("out of memory")` it means to throw, it throws `null`
//! instead, and the host would report `non-Error value thrown: null`. A refusal recorded here
//! ([`MemoryWatch::refused`]) lets the host name that failure for what it is.
//!
//! The leak check: QuickJS is built without its internal assertions (rquickjs's
//! `disable-assertions`: they cost about 6% of creating an instance and 4% of a cache-hit
//! login). One of them was a check that no object is left when a runtime is freed, which caught
//! reference-count mistakes in actsim's own raw engine calls. Debug builds (the test suite)
//! check for leaks another way: the allocator counts the blocks the engine takes, and
//! [`LeakGuard`], dropped after the runtime, fails if any was not given back. What it sees: the
//! engine serves allocations of up to 512 bytes from 4 KiB arenas that it frees wholesale with
//! the runtime, so a leaked small object or short string inside an arena goes unnoticed; a leak
//! that holds a larger block (an object with more than a few properties, a function's bytecode,
//! a long string, a shape) is caught.

use std::cell::Cell;
use std::rc::Rc;

use rquickjs::allocator::Allocator;
use rquickjs::Runtime;

/// Checks, when dropped after its runtime, that the runtime freed every block it allocated
/// (debug builds; nothing in release builds).
pub(crate) struct LeakGuard {
    #[cfg(debug_assertions)]
    live: Rc<Cell<i64>>,
}

/// What the host can ask the allocator of one runtime.
#[derive(Clone)]
pub(crate) struct MemoryWatch {
    refused: Rc<Cell<bool>>,
}

impl MemoryWatch {
    /// Whether an allocation was refused (the memory limit) since the last [`MemoryWatch::reset`].
    pub fn refused(&self) -> bool {
        self.refused.get()
    }

    /// Forget earlier refusals (at the start of each entry into JavaScript).
    pub fn reset(&self) {
        self.refused.set(false);
    }
}

/// A new runtime whose allocations stay within `limit_bytes`, the guard to drop after it (bind
/// the guard first: locals drop in reverse order) and the watch that tells refusals.
pub(crate) fn new_runtime(
    limit_bytes: usize,
) -> rquickjs::Result<(LeakGuard, Runtime, MemoryWatch)> {
    let refused = Rc::new(Cell::new(false));
    #[cfg(debug_assertions)]
    let live = Rc::new(Cell::new(0));
    let allocator = EngineAllocator {
        limit: limit_bytes,
        used: 0,
        refused: refused.clone(),
        #[cfg(debug_assertions)]
        live: live.clone(),
    };
    let runtime = Runtime::new_with_alloc(allocator)?;
    let guard = LeakGuard {
        #[cfg(debug_assertions)]
        live,
    };
    Ok((guard, runtime, MemoryWatch { refused }))
}

/// Allocates for one runtime through the C allocator, within a byte limit; counts the blocks it
/// holds in debug builds.
struct EngineAllocator {
    limit: usize,
    /// Bytes held now (usable sizes).
    used: usize,
    refused: Rc<Cell<bool>>,
    #[cfg(debug_assertions)]
    live: Rc<Cell<i64>>,
}

impl EngineAllocator {
    /// Whether `more` bytes fit; records a refusal when they do not.
    fn admit(&mut self, more: usize) -> bool {
        if self.used.saturating_add(more) > self.limit {
            self.refused.set(true);
            return false;
        }
        true
    }

    /// Account a block just taken (`ptr` may be null: nothing to account).
    fn took(&mut self, ptr: *mut u8) -> *mut u8 {
        if !ptr.is_null() {
            // SAFETY: a live block of the C allocator.
            self.used += unsafe { libc::malloc_usable_size(ptr.cast()) };
            #[cfg(debug_assertions)]
            self.live.set(self.live.get() + 1);
        }
        ptr
    }
}

// SAFETY: every block comes from the C allocator, which aligns for any type, and is returned
// to it; `usable_size` asks the C allocator about its own blocks.
unsafe impl Allocator for EngineAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.admit(size) {
            return std::ptr::null_mut();
        }
        // SAFETY: plain C allocation.
        let ptr = unsafe { libc::malloc(size.max(1)) }.cast();
        self.took(ptr)
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        if !self.admit(count.saturating_mul(size)) {
            return std::ptr::null_mut();
        }
        // SAFETY: plain C allocation.
        let ptr = unsafe { libc::calloc(count.max(1), size.max(1)) }.cast();
        self.took(ptr)
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        if ptr.is_null() {
            return;
        }
        // SAFETY: the caller passes a live block of this allocator.
        self.used = self
            .used
            .saturating_sub(unsafe { libc::malloc_usable_size(ptr.cast()) });
        #[cfg(debug_assertions)]
        self.live.set(self.live.get() - 1);
        // SAFETY: the caller passes a block of this allocator.
        unsafe { libc::free(ptr.cast()) };
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        if ptr.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: the caller passes a live block of this allocator.
        let old = unsafe { libc::malloc_usable_size(ptr.cast()) };
        if new_size > old && !self.admit(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller passes a block of this allocator; on failure it stays valid (and
        // counted), on success the new block replaces it.
        let new = unsafe { libc::realloc(ptr.cast(), new_size.max(1)) }.cast::<u8>();
        if !new.is_null() {
            // SAFETY: a live block of the C allocator.
            let now = unsafe { libc::malloc_usable_size(new.cast()) };
            self.used = self.used.saturating_sub(old) + now;
        }
        new
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        // SAFETY: the caller passes a block of this allocator.
        unsafe { libc::malloc_usable_size(ptr.cast()) }
    }
}

#[cfg(debug_assertions)]
impl Drop for LeakGuard {
    fn drop(&mut self) {
        let live = self.live.get();
        if live != 0 && !std::thread::panicking() {
            panic!(
                "actsim bug: the JavaScript engine still held {live} memory block(s) after the \
                 instance was freed: an object or string whose reference was never released \
                 (a leak in actsim's raw engine calls)"
            );
        }
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::new_runtime;
    use rquickjs::{qjs, Context, Object};

    #[test]
    #[should_panic(expected = "memory block(s) after the instance was freed")]
    fn an_object_never_released_is_reported_once_its_runtime_is_freed() {
        let (guard, runtime, _) = new_runtime(usize::MAX).expect("a runtime");
        let context = Context::full(&runtime).expect("a context");
        context.with(|ctx| {
            let object = Object::new(ctx.clone()).expect("an object");
            // SAFETY: a live object of this context; the extra reference is never released.
            unsafe { qjs::JS_DupValue(ctx.as_raw().as_ptr(), object.as_raw()) };
        });
        drop(context);
        drop(runtime);
        drop(guard);
    }

    #[test]
    fn a_runtime_that_released_everything_passes() {
        let (guard, runtime, _) = new_runtime(usize::MAX).expect("a runtime");
        let context = Context::full(&runtime).expect("a context");
        let n: i32 = context
            .with(|ctx| ctx.eval("[1, 2, 3].map((x) => ({ x })).length"))
            .expect("runs");
        assert_eq!(n, 3);
        drop(context);
        drop(runtime);
        drop(guard);
    }
}
