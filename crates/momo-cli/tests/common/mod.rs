//! Helpers shared by the CLI test files.

use std::io::Write;

/// Writes `bytes` to a child's standard input and closes it. A child may refuse its
/// arguments and exit before reading anything; the broken pipe that follows is not a
/// failure of the test (its exit code and stderr are what the test asserts).
pub fn feed_stdin(mut input: std::process::ChildStdin, bytes: &[u8]) {
    if let Err(e) = input.write_all(bytes) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing the child's stdin: {e}"
        );
    }
}
