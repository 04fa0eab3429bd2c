//! The host side of the console: stdin bytes reach the guest's UART through a reader
//! thread and a channel, so the vCPU thread never blocks on the host. EOF on stdin ends the
//! thread only; the guest keeps running.
//!
//! When stdin is a terminal it is put in raw mode (output processing kept, as QEMU does)
//! and the QEMU escapes work: Ctrl-A X quits, Ctrl-A H prints help, Ctrl-A Ctrl-A sends a
//! Ctrl-A to the guest. The terminal is restored when the guard drops and on SIGTERM,
//! SIGHUP and SIGQUIT. When stdin is not a terminal, bytes pass through untouched.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use bramble_devices::SerialInput;
use crossbeam_channel::{bounded, Receiver};

/// Set when the user typed Ctrl-A X.
pub static QUIT_REQUESTED: AtomicBool = AtomicBool::new(false);

const CTRL_A: u8 = 0x01;

/// Console input fed by a stdin reader thread.
#[derive(Debug)]
pub struct ChannelInput(Receiver<u8>);

impl SerialInput for ChannelInput {
    fn try_read(&mut self) -> Option<u8> {
        self.0.try_recv().ok()
    }
}

/// Console input shared across board restarts (a guest reset rebuilds the machine, the
/// host console stays).
#[derive(Clone, Debug)]
pub struct SharedInput(std::rc::Rc<std::cell::RefCell<ChannelInput>>);

impl SharedInput {
    pub fn new(input: ChannelInput) -> Self {
        Self(std::rc::Rc::new(std::cell::RefCell::new(input)))
    }
}

impl SerialInput for SharedInput {
    fn try_read(&mut self) -> Option<u8> {
        self.0.borrow_mut().try_read()
    }
}

/// What one typed byte means once Ctrl-A escapes are interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Pass this byte to the guest.
    Guest(u8),
    /// Swallowed (the Ctrl-A prefix itself, or an unknown escape).
    Nothing,
    Quit,
    Help,
}

/// The Ctrl-A escape state machine.
#[derive(Debug, Default)]
pub struct Escapes {
    after_ctrl_a: bool,
}

impl Escapes {
    pub fn feed(&mut self, b: u8) -> Key {
        if std::mem::take(&mut self.after_ctrl_a) {
            return match b {
                b'x' | b'X' => Key::Quit,
                b'h' | b'H' | b'?' => Key::Help,
                CTRL_A => Key::Guest(CTRL_A),
                _ => Key::Nothing,
            };
        }
        if b == CTRL_A {
            self.after_ctrl_a = true;
            return Key::Nothing;
        }
        Key::Guest(b)
    }
}

const HELP: &str = "\r\nC-a h    print this help\r\nC-a x    exit bramble\r\nC-a C-a  send C-a to the guest\r\n";

/// Starts the reader thread; `escapes` interprets Ctrl-A sequences (terminals only).
pub fn stdin_input(escapes: bool) -> ChannelInput {
    let (tx, rx) = bounded(4096);
    let spawned = std::thread::Builder::new().name("stdin".into()).spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 256];
        let mut esc = Escapes::default();
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for &b in &buf[..n] {
                        let key = if escapes { esc.feed(b) } else { Key::Guest(b) };
                        match key {
                            Key::Guest(g) => {
                                if tx.send(g).is_err() {
                                    return;
                                }
                            }
                            Key::Quit => QUIT_REQUESTED.store(true, Ordering::SeqCst),
                            Key::Help => {
                                let _ = std::io::stderr().write_all(HELP.as_bytes());
                            }
                            Key::Nothing => {}
                        }
                    }
                }
            }
        }
    });
    if let Err(e) = spawned {
        log::warn!("cannot start the stdin reader thread ({e}); console input is disabled");
    }
    ChannelInput(rx)
}

/// The terminal settings to restore, saved once.
static SAVED: OnceLock<libc::termios> = OnceLock::new();

fn restore_saved() {
    if let Some(t) = SAVED.get() {
        // SAFETY: fd 0 and a termios value obtained from tcgetattr on it.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, t);
        }
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    restore_saved();
    // SAFETY: _exit is async-signal-safe; the exit code follows the shell convention.
    unsafe { libc::_exit(128 + sig) }
}

/// Raw mode for the lifetime of the guard (a no-op when stdin is not a terminal).
#[derive(Debug)]
pub struct RawTerminal {
    active: bool,
}

impl RawTerminal {
    pub fn enter() -> Self {
        // SAFETY: isatty only inspects the descriptor.
        if unsafe { libc::isatty(0) } != 1 {
            return Self { active: false };
        }
        // SAFETY: termios is plain data; tcgetattr fills it for fd 0, which is a terminal.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
            return Self { active: false };
        }
        let _ = SAVED.set(t);
        let mut raw = t;
        // SAFETY: cfmakeraw only edits the struct.
        unsafe { libc::cfmakeraw(&mut raw) };
        // Keep output processing (\n -> \r\n) as QEMU's stdio does.
        raw.c_oflag |= libc::OPOST;
        // SAFETY: installing a handler that only restores the terminal and calls _exit;
        // tcsetattr with a termios derived from fd 0's own.
        unsafe {
            for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(sig, on_signal as *const () as libc::sighandler_t);
            }
            libc::tcsetattr(0, libc::TCSANOW, &raw);
        }
        Self { active: true }
    }

    pub fn is_active(&self) -> bool {
        self.active
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if self.active {
            restore_saved();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_a_escapes() {
        let mut e = Escapes::default();
        assert_eq!(e.feed(b'a'), Key::Guest(b'a'));
        assert_eq!(e.feed(CTRL_A), Key::Nothing);
        assert_eq!(e.feed(b'x'), Key::Quit);
        assert_eq!(e.feed(b'x'), Key::Guest(b'x'));
        assert_eq!(e.feed(CTRL_A), Key::Nothing);
        assert_eq!(e.feed(CTRL_A), Key::Guest(CTRL_A));
        assert_eq!(e.feed(CTRL_A), Key::Nothing);
        assert_eq!(e.feed(b'h'), Key::Help);
        assert_eq!(e.feed(CTRL_A), Key::Nothing);
        assert_eq!(e.feed(b'z'), Key::Nothing);
    }
}
