//! The long-list rule language: `worst(index, 1/6) and (worst(capacity, 54) or tag(coastal))`.
//!
//! A small recursive-descent parser so that a study states its rule in words a reader can
//! check, and errors point at the character that is wrong.

use std::fmt;

/// How many areas a `worst`/`best` term keeps: a count or a share of the districts.
#[derive(Debug, Clone, PartialEq)]
pub enum Amount {
    Count(usize),
    /// Share in (0, 1] with the text it was written as (`1/6`, `20%`).
    Share(f64, String),
}

impl Amount {
    /// Number of districts out of `n`: the count, or `ceil(share * n)` ignoring float noise
    /// (1/6 of 324 = 54).
    pub fn size(&self, n: usize) -> usize {
        match self {
            Amount::Count(c) => (*c).min(n),
            Amount::Share(s, _) => {
                let exact = s * n as f64;
                let rounded = exact.round();
                let k = if (exact - rounded).abs() < 1e-9 {
                    rounded
                } else {
                    exact.ceil()
                };
                (k as usize).min(n)
            }
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Count(c) => write!(f, "{c}"),
            Amount::Share(_, text) => f.write_str(text),
        }
    }
}

/// A parsed long-list rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
    Not(Box<Rule>),
    /// Among the `amount` districts of greatest need on the measure.
    Worst {
        measure: String,
        amount: Amount,
    },
    /// Among the `amount` districts of least need on the measure.
    Best {
        measure: String,
        amount: Amount,
    },
    Tag(String),
    Region(String),
}

impl Rule {
    /// Measure ids the rule reads, in order of appearance.
    pub fn measures(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_measures(&mut out);
        out
    }

    fn collect_measures<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Rule::And(a, b) | Rule::Or(a, b) => {
                a.collect_measures(out);
                b.collect_measures(out);
            }
            Rule::Not(a) => a.collect_measures(out),
            Rule::Worst { measure, .. } | Rule::Best { measure, .. } => out.push(measure),
            Rule::Tag(_) | Rule::Region(_) => {}
        }
    }
}

/// A rule that does not parse: the character offset and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("long_list rule, at character {at}: {message}")]
pub struct RuleError {
    pub at: usize,
    pub message: String,
}

/// Parses a long-list rule.
pub fn parse(text: &str) -> Result<Rule, RuleError> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0 };
    let rule = p.or()?;
    match p.peek() {
        None => Ok(rule),
        Some((at, t)) => Err(RuleError {
            at: *at,
            message: format!("unexpected `{t}`; join terms with `and` or `or`"),
        }),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64, String),
    LParen,
    RParen,
    Comma,
    Slash,
    Percent,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => f.write_str(w),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Num(_, t) => f.write_str(t),
            Tok::LParen => f.write_str("("),
            Tok::RParen => f.write_str(")"),
            Tok::Comma => f.write_str(","),
            Tok::Slash => f.write_str("/"),
            Tok::Percent => f.write_str("%"),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Tok)>, RuleError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((at, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((at, Tok::RParen));
                i += 1;
            }
            ',' => {
                out.push((at, Tok::Comma));
                i += 1;
            }
            '/' => {
                out.push((at, Tok::Slash));
                i += 1;
            }
            '%' => {
                out.push((at, Tok::Percent));
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(RuleError {
                                at,
                                message: "unterminated string".into(),
                            });
                        }
                        Some((_, ch)) if *ch == quote => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((at, Tok::Str(s)));
            }
            c if c.is_ascii_digit() || c == '.' => {
                let mut s = String::new();
                while let Some((_, ch)) = chars.get(i) {
                    if ch.is_ascii_digit() || *ch == '.' {
                        s.push(*ch);
                        i += 1;
                    } else {
                        break;
                    }
                }
                let v: f64 = s.parse().map_err(|_| RuleError {
                    at,
                    message: format!("`{s}` is not a number"),
                })?;
                out.push((at, Tok::Num(v, s)));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut s = String::new();
                while let Some((_, ch)) = chars.get(i) {
                    if ch.is_alphanumeric() || *ch == '_' || *ch == '-' {
                        s.push(*ch);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((at, Tok::Word(s)));
            }
            other => {
                return Err(RuleError {
                    at,
                    message: format!("unexpected character `{other}`"),
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(usize, Tok)> {
        self.tokens.get(self.pos)
    }

    fn end_at(&self) -> usize {
        self.tokens.last().map(|(a, _)| a + 1).unwrap_or(0)
    }

    fn next(&mut self, expected: &str) -> Result<(usize, Tok), RuleError> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or_else(|| RuleError {
                at: self.end_at(),
                message: format!("the rule ends too early: expected {expected}"),
            })?;
        self.pos += 1;
        Ok(t)
    }

    fn expect(&mut self, want: Tok, expected: &str) -> Result<(), RuleError> {
        let (at, t) = self.next(expected)?;
        if t == want {
            Ok(())
        } else {
            Err(RuleError {
                at,
                message: format!("expected {expected}, found `{t}`"),
            })
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some((_, Tok::Word(x))) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.and()?;
        while self.is_word("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Rule::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.unary()?;
        while self.is_word("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Rule::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Rule, RuleError> {
        if self.is_word("not") {
            self.pos += 1;
            return Ok(Rule::Not(Box::new(self.unary()?)));
        }
        let (at, t) = self.next("a term such as worst(index, 1/6)")?;
        match t {
            Tok::LParen => {
                let r = self.or()?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(r)
            }
            Tok::Word(w) => {
                let func = w.to_ascii_lowercase();
                self.expect(Tok::LParen, &format!("`(` after `{w}`"))?;
                let (name_at, name) = self.next("a name")?;
                let name = match name {
                    Tok::Word(s) | Tok::Str(s) => s,
                    other => {
                        return Err(RuleError {
                            at: name_at,
                            message: format!("expected a name, found `{other}`"),
                        });
                    }
                };
                let rule = match func.as_str() {
                    "worst" | "best" => {
                        self.expect(Tok::Comma, "`,` and an amount such as 1/6, 20% or 54")?;
                        let amount = self.amount()?;
                        if func == "worst" {
                            Rule::Worst {
                                measure: name,
                                amount,
                            }
                        } else {
                            Rule::Best {
                                measure: name,
                                amount,
                            }
                        }
                    }
                    "tag" => Rule::Tag(name),
                    "region" => Rule::Region(name),
                    _ => {
                        return Err(RuleError {
                            at,
                            message: format!(
                                "unknown term `{w}`; use worst(m, amount), best(m, amount), tag(t) or region(\"Name\")"
                            ),
                        });
                    }
                };
                self.expect(Tok::RParen, "`)`")?;
                Ok(rule)
            }
            other => Err(RuleError {
                at,
                message: format!("expected a term such as worst(index, 1/6), found `{other}`"),
            }),
        }
    }

    fn amount(&mut self) -> Result<Amount, RuleError> {
        let (at, t) = self.next("an amount such as 1/6, 20% or 54")?;
        let (v, text) = match t {
            Tok::Num(v, text) => (v, text),
            other => {
                return Err(RuleError {
                    at,
                    message: format!("expected an amount such as 1/6, 20% or 54, found `{other}`"),
                });
            }
        };
        let share = |s: f64, text: String| {
            if s > 0.0 && s <= 1.0 {
                Ok(Amount::Share(s, text))
            } else {
                Err(RuleError {
                    at,
                    message: format!("`{text}` is not a share in (0, 1]"),
                })
            }
        };
        match self.peek() {
            Some((_, Tok::Slash)) => {
                self.pos += 1;
                let (dat, d) = self.next("a denominator")?;
                match d {
                    Tok::Num(dv, dt) if dv > 0.0 => share(v / dv, format!("{text}/{dt}")),
                    other => Err(RuleError {
                        at: dat,
                        message: format!("expected a denominator above 0, found `{other}`"),
                    }),
                }
            }
            Some((_, Tok::Percent)) => {
                self.pos += 1;
                share(v / 100.0, format!("{text}%"))
            }
            _ if text.contains('.') => share(v, text),
            _ => {
                if v < 1.0 {
                    return Err(RuleError {
                        at,
                        message: "a count must be at least 1".into(),
                    });
                }
                Ok(Amount::Count(v as usize))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_or_not_with_precedence() {
        let r = parse("worst(index, 1/6) and worst(capacity, 54) or not tag(coastal)").unwrap();
        match r {
            Rule::Or(a, b) => {
                assert!(matches!(*a, Rule::And(_, _)));
                assert_eq!(*b, Rule::Not(Box::new(Rule::Tag("coastal".into()))));
            }
            other => panic!("wrong tree {other:?}"),
        }
    }

    #[test]
    fn amounts_size_like_published_bands() {
        let r = parse("worst(index, 1/6)").unwrap();
        let Rule::Worst { amount, .. } = r else {
            panic!()
        };
        assert_eq!(amount.size(324), 54);
        assert_eq!(parse("worst(x, 20%)").unwrap().measures(), vec!["x"]);
        let Rule::Best { amount, .. } = parse("best(x, 20%)").unwrap() else {
            panic!()
        };
        assert_eq!(amount.size(324), 65);
        assert_eq!(Amount::Count(54).size(10), 10);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("worst(index 1/6)").unwrap_err();
        assert_eq!(e.at, 12);
        assert!(e.message.contains("`,`"), "{}", e.message);
        assert!(parse("worst(index, 7/6)").is_err());
        assert!(
            parse("cheapest(index, 1)")
                .unwrap_err()
                .message
                .contains("unknown term")
        );
        assert!(parse("worst(index, 1) worst(x, 2)").is_err());
        assert!(parse("(tag(a)").is_err());
        assert_eq!(
            parse("region(\"East of England\")").unwrap(),
            Rule::Region("East of England".into())
        );
    }
}
