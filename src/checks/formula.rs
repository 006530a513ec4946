//! Quota formulas such as `max_encodings * instances_per_encoding * 0.05`:
//! numbers, names, `+ - * /`, parentheses and `min(a, b)`. Parsed and
//! checked when the rule is loaded, so a typo is an error with its
//! position, not a wrong number at audit time.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Name(String),
    Binary(Box<Expr>, Op, Box<Expr>),
    Min(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// The names a formula may use that come from the target's setup (and its
/// evidence). `vcpus_per_instance` is also a shared number: the guide's 8,
/// used when the setup names no machine types.
pub const SETUP_NAMES: [&str; 4] = [
    "max_encodings",
    "instances_per_encoding",
    "vcpus_per_instance",
    "max_instances",
];

/// A target's sizing, the values of `SETUP_NAMES`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizing {
    pub max_encodings: f64,
    pub instances_per_encoding: f64,
    pub vcpus_per_instance: f64,
    /// The instance cap; infinite when there is none.
    pub max_instances: f64,
}

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
        SETUP_NAMES.iter().any(|name| self.uses(name))
    }

    /// Whether the formula reads `name`.
    pub fn uses(&self, name: &str) -> bool {
        fn find(expr: &Expr, name: &str) -> bool {
            match expr {
                Expr::Number(_) => false,
                Expr::Name(n) => n == name,
                Expr::Binary(a, _, b) | Expr::Min(a, b) => find(a, name) || find(b, name),
            }
        }
        find(&self.expr, name)
    }

    /// Evaluate with the setup's values.
    pub fn eval(&self, sizing: &Sizing) -> f64 {
        eval(&self.expr, sizing)
    }
}

fn eval(expr: &Expr, sizing: &Sizing) -> f64 {
    match expr {
        Expr::Number(n) => *n,
        Expr::Name(name) => match name.as_str() {
            "max_encodings" => sizing.max_encodings,
            "instances_per_encoding" => sizing.instances_per_encoding,
            "vcpus_per_instance" => sizing.vcpus_per_instance,
            // The parser lets no other name through.
            _ => sizing.max_instances,
        },
        Expr::Min(a, b) => eval(a, sizing).min(eval(b, sizing)),
        Expr::Binary(a, op, b) => {
            let (a, b) = (eval(a, sizing), eval(b, sizing));
            match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div => a / b,
            }
        }
    }
}

/// Replace shared constants by their values so evaluation only sees setup
/// names (a setup name keeps its name even when it is a shared number too).
fn fold_constants(expr: Expr, constants: &BTreeMap<String, f64>) -> Expr {
    match expr {
        Expr::Name(name) if SETUP_NAMES.contains(&name.as_str()) => Expr::Name(name),
        Expr::Name(name) => match constants.get(&name) {
            Some(value) => Expr::Number(*value),
            None => Expr::Name(name),
        },
        Expr::Min(a, b) => Expr::Min(
            Box::new(fold_constants(*a, constants)),
            Box::new(fold_constants(*b, constants)),
        ),
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
                if name == "min"
                    && self.text[self.pos + len..]
                        .trim_start_matches(' ')
                        .starts_with('(')
                {
                    self.pos += len;
                    return self.min();
                }
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

    /// `min(a, b)`, after the name.
    fn min(&mut self) -> Result<Expr, FormulaError> {
        if self.peek() != Some('(') {
            return Err(self.error("`min` takes two values: min(a, b)"));
        }
        self.pos += 1;
        let a = self.sum()?;
        if self.peek() != Some(',') {
            return Err(self.error("`min` takes two values: min(a, b)"));
        }
        self.pos += 1;
        let b = self.sum()?;
        if self.peek() != Some(')') {
            return Err(self.error("missing `)` after min(a, b)"));
        }
        self.pos += 1;
        Ok(Expr::Min(Box::new(a), Box::new(b)))
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
        assert_eq!(spot.eval(&sizing(10.0, 60.0)), 14_400.0);
        let gp = Formula::parse("max_encodings * instances_per_encoding * 0.05", &c).unwrap();
        assert!((gp.eval(&sizing(10.0, 60.0)) - 30.0).abs() < 1e-9);
        let mixed = Formula::parse("(max_encodings + 1) * 2 - 4 / 2", &c).unwrap();
        assert_eq!(mixed.eval(&sizing(3.0, 0.0)), 6.0);
    }

    fn sizing(max_encodings: f64, instances_per_encoding: f64) -> Sizing {
        Sizing {
            max_encodings,
            instances_per_encoding,
            vcpus_per_instance: 8.0,
            max_instances: f64::INFINITY,
        }
    }

    #[test]
    fn machine_types_and_the_instance_cap_size_the_need() {
        let c = constants();
        let spot = Formula::parse(
            "min(max_encodings * instances_per_encoding, max_instances) * vcpus_per_instance * spot_headroom",
            &c,
        )
        .unwrap();
        // The shared 8 stands in only when the setup gives no vCPUs.
        assert!(spot.uses("vcpus_per_instance") && spot.uses("max_instances"));
        assert_eq!(spot.eval(&sizing(10.0, 60.0)), 14_400.0);
        let capped = Sizing {
            max_instances: 100.0,
            vcpus_per_instance: 16.0,
            ..sizing(10.0, 60.0)
        };
        assert_eq!(spot.eval(&capped), 100.0 * 16.0 * 3.0);
        let nested = Formula::parse("min( min(1, max_encodings) , 2 )+1", &c).unwrap();
        assert_eq!(nested.eval(&sizing(10.0, 0.0)), 2.0);
        assert!(!Formula::parse("min(2, 3)", &c).unwrap().uses_sizing());
        for bad in [
            "min(1)",
            "min(1, 2",
            "min(1 2)",
            "min",
            "min\u{a0}(1, 2)",
            "min\t(1), 2)",
            "minimum(1, 2)",
        ] {
            assert!(Formula::parse(bad, &c).is_err(), "{bad}");
        }
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
