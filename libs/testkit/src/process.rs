use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A TCP port that was free a moment ago. The caller binds it soon after; fixtures retry when
/// another process took it in between.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Sends a signal (e.g. `nix::sys::signal::Signal::SIGTERM`) to a process.
pub fn send_signal(pid: u32, signal: Signal) {
    let _ = kill(Pid::from_raw(pid as i32), signal);
}
