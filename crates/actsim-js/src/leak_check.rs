//! The engine's memory accounting in debug builds: a leak check at instance teardown.
//!
//! QuickJS is built without its internal assertions (rquickjs's `disable-assertions`: they
//! cost about 6% of creating an instance and 4% of a cache-hit login). One of them was a check
//! that no object is left when a runtime is freed, which caught reference-count mistakes in
//! actsim's own raw engine calls. Debug builds (the test suite) check for leaks another way:
//! each instance's runtime allocates through [`CountingAllocator`], which counts the blocks the
//! engine takes, and [`LeakGuard`], dropped after the runtime, fails if any was not given back.
//! What it sees: the engine serves allocations of up to 512 bytes from 4 KiB arenas that it
//! frees wholesale with the runtime, so a leaked small object or short string inside an arena
//! goes unnoticed; a leak that holds a larger block (an object with more than a few
//! properties, a function's bytecode, a long string, a shape) is caught. Release builds use
//! the engine's default allocator.

#[cfg(debug_assertions)]
use std::cell::Cell;
#[cfg(debug_assertions)]
use std::rc::Rc;

#[cfg(debug_assertions)]
use rquickjs::allocator::Allocator;
use rquickjs::Runtime;

/// Checks, when dropped after its runtime, that the runtime freed every block it allocated
/// (debug builds; nothing in release builds).
pub(crate) struct LeakGuard {
    #[cfg(debug_assertions)]
    live: Rc<Cell<i64>>,
}

/// A new runtime, and the guard to drop after it (bind the guard first: locals drop in reverse
/// order). Debug builds count the engine's blocks ([`CountingAllocator`]); release builds use
/// the engine's default allocator.
pub(crate) fn new_runtime() -> rquickjs::Result<(LeakGuard, Runtime)> {
    #[cfg(debug_assertions)]
    {
        let live = Rc::new(Cell::new(0));
        let runtime = Runtime::new_with_alloc(CountingAllocator { live: live.clone() })?;
        Ok((LeakGuard { live }, runtime))
    }
    #[cfg(not(debug_assertions))]
    {
        Ok((LeakGuard {}, Runtime::new()?))
    }
}

/// Allocates for one runtime through the C allocator and counts the blocks it holds.
#[cfg(debug_assertions)]
struct CountingAllocator {
    live: Rc<Cell<i64>>,
}

#[cfg(debug_assertions)]
impl CountingAllocator {
    fn count(&self, ptr: *mut u8, delta: i64) -> *mut u8 {
        if !ptr.is_null() {
            self.live.set(self.live.get() + delta);
        }
        ptr
    }
}

#[cfg(debug_assertions)]
// SAFETY: every block comes from the C allocator, which aligns for any type, and is returned
// to it; `usable_size` asks the C allocator about its own blocks.
unsafe impl Allocator for CountingAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        // SAFETY: plain C allocation.
        self.count(unsafe { libc::malloc(size.max(1)) }.cast(), 1)
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        // SAFETY: plain C allocation.
        self.count(unsafe { libc::calloc(count.max(1), size.max(1)) }.cast(), 1)
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        self.count(ptr, -1);
        // SAFETY: the caller passes a block of this allocator.
        unsafe { libc::free(ptr.cast()) };
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        if ptr.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: the caller passes a block of this allocator; on failure it stays valid (and
        // counted), on success the new block replaces it.
        unsafe { libc::realloc(ptr.cast(), new_size.max(1)) }.cast()
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
        let (guard, runtime) = new_runtime().expect("a runtime");
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
        let (guard, runtime) = new_runtime().expect("a runtime");
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
