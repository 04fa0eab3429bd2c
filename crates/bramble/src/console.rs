//! The host side of the console: stdin bytes reach the guest's UART through a reader
//! thread and a channel, so the vCPU thread never blocks on the host. EOF on stdin ends the
//! thread only; the guest keeps running. (Raw terminal mode arrives with the board issue.)

use std::io::Read;

use bramble_devices::SerialInput;
use crossbeam_channel::{bounded, Receiver};

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

/// Starts the reader thread.
pub fn stdin_input() -> ChannelInput {
    let (tx, rx) = bounded(4096);
    let spawned = std::thread::Builder::new().name("stdin".into()).spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 256];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for &b in &buf[..n] {
                        if tx.send(b).is_err() {
                            return;
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
