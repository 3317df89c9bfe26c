//! Terminal conventions: color only on a TTY and never with `NO_COLOR`; progress bars only
//! on a TTY; machine-readable output is plain.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

/// The user's choice from `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal (and `NO_COLOR` is unset).
    #[default]
    Auto,
    /// Color even when piped (still never with `NO_COLOR`).
    Always,
    Never,
}

/// True when `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Decides whether to color a stream.
pub fn use_color(choice: ColorChoice, is_tty: bool) -> bool {
    if no_color_env() {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty,
    }
}

/// Paints text when color is on.
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    pub color: bool,
}

impl Painter {
    pub fn for_stdout(choice: ColorChoice) -> Painter {
        Painter {
            color: use_color(choice, std::io::stdout().is_terminal()),
        }
    }

    pub fn for_stderr(choice: ColorChoice) -> Painter {
        Painter {
            color: use_color(choice, std::io::stderr().is_terminal()),
        }
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    pub fn green(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    pub fn red(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    pub fn cyan(&self, text: &str) -> String {
        self.paint(AnsiColor::Cyan.on_default(), text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}

/// A progress bar on stderr when it is a terminal; hidden (free) otherwise.
pub fn progress(len: u64, message: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_and_always_are_honoured_without_no_color() {
        if no_color_env() {
            return; // the environment decides; covered by the CLI tests
        }
        assert!(!use_color(ColorChoice::Never, true));
        assert!(use_color(ColorChoice::Always, false));
        assert!(use_color(ColorChoice::Auto, true));
        assert!(!use_color(ColorChoice::Auto, false));
    }

    #[test]
    fn painter_without_color_is_plain() {
        let p = Painter { color: false };
        assert_eq!(p.red("x"), "x");
        let c = Painter { color: true };
        assert!(c.red("x").starts_with('\u{1b}'));
    }
}
