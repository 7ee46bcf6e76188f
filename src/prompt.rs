//! Asking the person at the terminal for an MFA code.
//!
//! A credential helper's stdin and stdout belong to the client that runs it (docker writes the
//! server URL on stdin and reads the answer on stdout), so the question goes to the
//! controlling terminal itself: `/dev/tty` on Unix, the console (`CONIN$`, `CONOUT$`) on
//! Windows. A process without one (run by dockerd, a CI runner, the kubelet) cannot ask, and
//! says so at once instead of waiting for an answer that never comes. On Unix a process of a
//! background job cannot ask either: reading its terminal would stop it (`SIGTTIN`) until the
//! job is brought to the foreground, which a user waiting on `docker pull &` never does.
//!
//! The code is echoed as it is typed: it is good for one use within seconds, and hiding it
//! would mean changing the terminal's modes, which a process killed mid-question (Ctrl-C in
//! docker) would leave changed.

use std::io::{self, BufRead, BufReader, Read, Write};

use crate::secret::Secret;

/// How many answers are read before giving up: the first and two more.
pub const ATTEMPTS: usize = 3;

/// Longer than any code; a longer line is read to its end and refused.
const MAX_LINE: u64 = 256;

/// Why no code was had.
#[derive(Debug)]
pub enum Refusal {
    /// Nothing to ask on; the reason, for the message.
    NoTerminal(&'static str),
    /// The terminal was closed (end of input) before a code was typed.
    Closed,
    /// [`ATTEMPTS`] answers were not six digits.
    NotCodes,
    /// Reading or writing the terminal failed.
    Io(io::Error),
}

/// The controlling terminal, open for one question.
pub struct Terminal {
    input: BufReader<std::fs::File>,
    output: std::fs::File,
}

impl Terminal {
    /// The controlling terminal, if this process has one it may read.
    pub fn open() -> Result<Terminal, Refusal> {
        let (input, output) = open_terminal()?;
        Ok(Terminal {
            input: BufReader::new(input),
            output,
        })
    }

    /// Asks `question` until the answer is six digits, [`ATTEMPTS`] times at most.
    pub fn six_digits(&mut self, question: &str) -> Result<Secret, Refusal> {
        six_digits(&mut self.input, &mut self.output, question)
    }
}

/// The question and its answers over any reader and writer (a terminal, or a test's buffers).
fn six_digits(
    input: &mut impl BufRead,
    output: &mut impl Write,
    question: &str,
) -> Result<Secret, Refusal> {
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            write!(output, "The MFA code is six digits. ").map_err(Refusal::Io)?;
        }
        write!(output, "{question}").map_err(Refusal::Io)?;
        output.flush().map_err(Refusal::Io)?;
        let line = read_line(input)?;
        let code = line.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Secret::new(code));
        }
    }
    Err(Refusal::NotCodes)
}

/// One line, without trusting its length: past [`MAX_LINE`] the rest is read and dropped.
fn read_line(input: &mut impl BufRead) -> Result<String, Refusal> {
    let mut line = Vec::new();
    let read = input
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .map_err(Refusal::Io)?;
    if read == 0 {
        return Err(Refusal::Closed);
    }
    if line.last() != Some(&b'\n') && read as u64 == MAX_LINE {
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let more = input
                .by_ref()
                .take(MAX_LINE)
                .read_until(b'\n', &mut rest)
                .map_err(Refusal::Io)?;
            if more == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
        // Too long to be a code, whatever it holds.
        return Ok(String::new());
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

#[cfg(unix)]
fn open_terminal() -> Result<(std::fs::File, std::fs::File), Refusal> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        "/dev/tty",
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|_| Refusal::NoTerminal("there is no terminal to ask on"))?;
    // Only the terminal's foreground process group may read it.
    let foreground = rustix::termios::tcgetpgrp(&fd).ok();
    if foreground != Some(rustix::process::getpgrp()) {
        return Err(Refusal::NoTerminal(
            "it runs in the background of its terminal, which it cannot read",
        ));
    }
    let input = std::fs::File::from(fd);
    let output = input.try_clone().map_err(Refusal::Io)?;
    Ok((input, output))
}

/// The console's input and screen buffers, whatever stdin and stdout are: a process without a
/// console (a service) cannot open them.
#[cfg(windows)]
fn open_terminal() -> Result<(std::fs::File, std::fs::File), Refusal> {
    let open = |name: &str| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name)
            .map_err(|_| Refusal::NoTerminal("there is no console to ask on"))
    };
    Ok((open("CONIN$")?, open("CONOUT$")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUESTION: &str = "Enter MFA code for arn:aws:iam::1:mfa/a (profile p): ";

    fn ask(typed: &str) -> (Result<Secret, Refusal>, String) {
        let mut output = Vec::new();
        let result = six_digits(&mut typed.as_bytes(), &mut output, QUESTION);
        (result, String::from_utf8(output).unwrap())
    }

    #[test]
    fn six_digits_are_the_answer() {
        let (code, shown) = ask("123456\n");
        assert_eq!(code.unwrap().expose(), "123456");
        assert_eq!(shown, QUESTION);
        let (code, _) = ask("  004711\r\n");
        assert_eq!(code.unwrap().expose(), "004711", "spaces and CR around it");
    }

    #[test]
    fn other_answers_are_asked_again_twice() {
        let (code, shown) = ask("12345\n654321\n");
        assert_eq!(code.unwrap().expose(), "654321");
        assert_eq!(shown.matches(QUESTION).count(), 2);
        assert!(shown.contains("six digits"), "{shown}");
        let (code, shown) = ask("abcdef\n1234567\n12 34 56\n123456\n");
        assert!(matches!(code, Err(Refusal::NotCodes)), "{code:?}");
        assert_eq!(shown.matches(QUESTION).count(), ATTEMPTS);
        let long = format!("{}123456\n123456\n", "1".repeat(1000));
        let (code, _) = ask(&long);
        assert_eq!(
            code.unwrap().expose(),
            "123456",
            "a long line is one answer"
        );
    }

    #[test]
    fn end_of_input_is_no_answer() {
        assert!(matches!(ask("").0, Err(Refusal::Closed)));
        assert!(matches!(ask("12\n").0, Err(Refusal::Closed)));
        // A last line without its newline is still read.
        assert_eq!(ask("123456").0.unwrap().expose(), "123456");
    }
}
