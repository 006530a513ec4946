//! Quota formulas such as `max_encodings * instances_per_encoding * 0.05`:
//! numbers, names, `+ - * /` and parentheses. Parsed and checked when the
//! rule is loaded, so a typo is an error with its position, not a wrong
//! number at audit time.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Name(String),
    Binary(Box<Expr>, Op, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// The names a formula may use that come from the target's setup.
pub const SETUP_NAMES: [&str; 2] = ["max_encodings", "instances_per_encoding"];

#[derive(Debug, Clone, PartialEq)]
pub struct FormulaError {
    /// Byte offset inside the formula text.
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    pub text: String,
    pub expr: Expr,
}

impl Formula {
    /// Parse `text`, accepting only setup names and the given constants.
    pub fn parse(text: &str, constants: &BTreeMap<String, f64>) -> Result<Formula, FormulaError> {
        let mut parser = Parser {
            text,
            pos: 0,
            constants,
        };
        let expr = parser.sum()?;
        parser.skip_space();
        if parser.pos < text.len() {
            return Err(parser.error("unexpected text after the formula"));
        }
        Ok(Formula {
            text: text.to_string(),
            expr: fold_constants(expr, constants),
        })
    }

    /// Whether the value depends on the setup's sizing (a fixed floor such
    /// as `20000` does not).
    pub fn uses_sizing(&self) -> bool {
        fn names(expr: &Expr) -> bool {
            match expr {
                Expr::Number(_) => false,
                Expr::Name(_) => true,
                Expr::Binary(a, _, b) => names(a) || names(b),
            }
        }
        names(&self.expr)
    }

    /// Evaluate with the setup's values.
    pub fn eval(&self, max_encodings: f64, instances_per_encoding: f64) -> f64 {
        eval(&self.expr, max_encodings, instances_per_encoding)
    }
}

fn eval(expr: &Expr, max_encodings: f64, instances: f64) -> f64 {
    match expr {
        Expr::Number(n) => *n,
        Expr::Name(name) if name == "max_encodings" => max_encodings,
        Expr::Name(_) => instances,
        Expr::Binary(a, op, b) => {
            let (a, b) = (
                eval(a, max_encodings, instances),
                eval(b, max_encodings, instances),
            );
            match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div => a / b,
            }
        }
    }
}

/// Replace shared constants by their values so evaluation only sees setup names.
fn fold_constants(expr: Expr, constants: &BTreeMap<String, f64>) -> Expr {
    match expr {
        Expr::Name(name) => match constants.get(&name) {
            Some(value) => Expr::Number(*value),
            None => Expr::Name(name),
        },
        Expr::Binary(a, op, b) => Expr::Binary(
            Box::new(fold_constants(*a, constants)),
            op,
            Box::new(fold_constants(*b, constants)),
        ),
        number => number,
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    constants: &'a BTreeMap<String, f64>,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> FormulaError {
        FormulaError {
            offset: self.pos,
            message: format!("invalid formula `{}`: {message}", self.text),
        }
    }

    fn skip_space(&mut self) {
        while self.text[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.text[self.pos..].chars().next()
    }

    fn sum(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.product()?;
        while let Some(c @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            let op = if c == '+' { Op::Add } else { Op::Sub };
            left = Expr::Binary(Box::new(left), op, Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.atom()?;
        while let Some(c @ ('*' | '/')) = self.peek() {
            self.pos += 1;
            let op = if c == '*' { Op::Mul } else { Op::Div };
            left = Expr::Binary(Box::new(left), op, Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, FormulaError> {
        match self.peek() {
            Some('(') => {
                self.pos += 1;
                let inner = self.sum()?;
                if self.peek() != Some(')') {
                    return Err(self.error("missing `)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(c) if c.is_ascii_digit() => {
                let len = self.run_of(|c| c.is_ascii_digit() || c == '.');
                let token = &self.text[self.pos..self.pos + len];
                let value = token
                    .parse()
                    .map_err(|_| self.error(&format!("bad number `{token}`")))?;
                self.pos += len;
                Ok(Expr::Number(value))
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let len = self.run_of(|c| c.is_ascii_alphanumeric() || c == '_');
                let name = &self.text[self.pos..self.pos + len];
                if !SETUP_NAMES.contains(&name) && !self.constants.contains_key(name) {
                    let mut known: Vec<&str> = SETUP_NAMES.to_vec();
                    known.extend(self.constants.keys().map(String::as_str));
                    return Err(self.error(&format!(
                        "unknown name `{name}` (known: {})",
                        known.join(", ")
                    )));
                }
                self.pos += len;
                Ok(Expr::Name(name.to_string()))
            }
            Some(c) => Err(self.error(&format!("unexpected `{c}`"))),
            None => Err(self.error("unexpected end")),
        }
    }

    fn run_of(&self, accept: impl Fn(char) -> bool) -> usize {
        self.text[self.pos..]
            .char_indices()
            .find(|(_, c)| !accept(*c))
            .map_or(self.text.len() - self.pos, |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_floor_does_not_use_the_sizing() {
        let constants = BTreeMap::from([("spot_factor".to_string(), 3.0)]);
        let floor = Formula::parse("20000", &constants).unwrap();
        assert!(!floor.uses_sizing());
        assert!(
            !Formula::parse("2 * spot_factor", &constants)
                .unwrap()
                .uses_sizing()
        );
        assert!(
            Formula::parse("max_encodings * 8", &constants)
                .unwrap()
                .uses_sizing()
        );
    }

    fn constants() -> BTreeMap<String, f64> {
        BTreeMap::from([
            ("vcpus_per_instance".to_string(), 8.0),
            ("spot_headroom".to_string(), 3.0),
        ])
    }

    #[test]
    fn evaluates_the_guides_formulas() {
        let c = constants();
        let spot = Formula::parse(
            "max_encodings * instances_per_encoding * vcpus_per_instance * spot_headroom",
            &c,
        )
        .unwrap();
        assert_eq!(spot.eval(10.0, 60.0), 14_400.0);
        let gp = Formula::parse("max_encodings * instances_per_encoding * 0.05", &c).unwrap();
        assert!((gp.eval(10.0, 60.0) - 30.0).abs() < 1e-9);
        let mixed = Formula::parse("(max_encodings + 1) * 2 - 4 / 2", &c).unwrap();
        assert_eq!(mixed.eval(3.0, 0.0), 6.0);
    }

    #[test]
    fn errors_point_into_the_text() {
        let c = constants();
        let e = Formula::parse("max_encodings * vcpu", &c).unwrap_err();
        assert_eq!(e.offset, 16);
        assert!(e.message.contains("unknown name `vcpu`"), "{}", e.message);
        assert!(Formula::parse("max_encodings *", &c).is_err());
        assert!(Formula::parse("(max_encodings", &c).is_err());
        assert!(Formula::parse("max_encodings 8", &c).is_err());
        assert!(Formula::parse("1.2.3", &c).is_err());
        assert!(Formula::parse("", &c).is_err());
    }
}
