//! Node's wording and positions for the engine's TypeErrors. QuickJS says `not a function`
//! where Node names the callee (`x.foo is not a function`, `X is not a constructor`), says
//! `cannot read property 'x' of null` where Node says `Cannot read properties of null (reading
//! 'x')`, and points at the start of the expression where Node points at the property (or at
//! `new`, or at the `=` of an assignment). Reading the action's line at the engine's position
//! gives what Node would say; when the line does not read as expected the engine's error stays.

use crate::report::SourceLocation;

/// An error in the action's file at `location` (1-based line and column of the engine), told
/// as Node tells it: the message and the column, or `None` to keep the engine's.
pub(crate) fn as_node_says(
    name: &str,
    message: &str,
    location: &SourceLocation,
    code: &str,
) -> Option<(String, u32)> {
    if name != "TypeError" {
        return None;
    }
    let line: Vec<char> = code
        .lines()
        .nth(location.line.checked_sub(1)? as usize)?
        .chars()
        .collect();
    let at = (location.column as usize).checked_sub(1)?;
    if at >= line.len() {
        return None;
    }
    if message == "not a function" || message == "not a constructor" {
        let (start, end) = chain_around(&line, at)?;
        let callee: String = line[start..end].iter().collect();
        let before: String = line[..start].iter().collect();
        let before = before.trim_end();
        let is_new = before.ends_with("new")
            && !before[..before.len() - 3]
                .chars()
                .next_back()
                .is_some_and(is_ident);
        if is_new {
            let new_at = before.chars().count() - 3;
            return Some((format!("{callee} is not a constructor"), new_at as u32 + 1));
        }
        let after = line[end..].iter().find(|c| !c.is_whitespace());
        if message == "not a function" && matches!(after, Some('(') | Some('`')) {
            return Some((format!("{callee} is not a function"), location.column));
        }
        return None;
    }
    for (engine, node, verb) in [
        (
            "cannot read property '",
            "Cannot read properties of",
            "reading",
        ),
        (
            "cannot set property '",
            "Cannot set properties of",
            "setting",
        ),
    ] {
        let Some(rest) = message.strip_prefix(engine) else {
            continue;
        };
        let (property, of) = rest.split_once("' of ")?;
        let text = format!("{node} {of} ({verb} '{property}')");
        // The property after the engine's position: `.x` or `?.x`.
        let needle: Vec<char> = format!(".{property}").chars().collect();
        let found = (at..line.len().saturating_sub(needle.len() - 1)).find(|&i| {
            line[i..i + needle.len()] == needle[..]
                && !line.get(i + needle.len()).is_some_and(|c| is_ident(*c))
        });
        let column = match found {
            Some(i) if verb == "reading" => i as u32 + 2,
            Some(i) => {
                // An assignment: Node points at its `=`.
                let eq = (i + needle.len()..line.len()).find(|&j| !line[j].is_whitespace());
                match eq {
                    Some(j) if line[j] == '=' => j as u32 + 1,
                    _ => i as u32 + 2,
                }
            }
            None => location.column,
        };
        return Some((text, column));
    }
    None
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The member chain (`a.b?.c`) that the identifier at `at` belongs to: (start, end).
fn chain_around(line: &[char], at: usize) -> Option<(usize, usize)> {
    if !is_ident(line[at]) || line[at].is_ascii_digit() {
        return None;
    }
    let mut start = at;
    while start > 0 && is_ident(line[start - 1]) {
        start -= 1;
    }
    // Backwards over `.name` and `?.name`.
    loop {
        let mut dot = start;
        if dot > 0 && line[dot - 1] == '.' {
            dot -= 1;
            if dot > 0 && line[dot - 1] == '?' {
                dot -= 1;
            }
        } else {
            break;
        }
        if dot > 0 && line[dot - 1] == '.' {
            break; // a spread or `..`
        }
        let mut s = dot;
        while s > 0 && is_ident(line[s - 1]) {
            s -= 1;
        }
        if s == dot {
            break; // `).x` or `].x`: not a plain chain
        }
        start = s;
    }
    // Forwards over the name and `.name` / `?.name`.
    let mut end = at;
    while end < line.len() && is_ident(line[end]) {
        end += 1;
    }
    loop {
        let mut next = end;
        if line.get(next) == Some(&'?') && line.get(next + 1) == Some(&'.') {
            next += 2;
        } else if line.get(next) == Some(&'.') {
            next += 1;
        } else {
            break;
        }
        let name_start = next;
        while next < line.len() && is_ident(line[next]) {
            next += 1;
        }
        if next == name_start {
            break;
        }
        end = next;
    }
    if start > 0 && line[start - 1] == ')' {
        return None;
    }
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(message: &str, line: &str, column: u32) -> Option<(String, u32)> {
        let location = SourceLocation {
            file: "a.js".into(),
            line: 1,
            column,
        };
        as_node_says("TypeError", message, &location, line)
    }

    #[test]
    fn callees_are_named_as_node_names_them() {
        // Positions as QuickJS gives them; expected texts and columns as Node 22 prints them.
        let line = "  const x = {}; x.foo();";
        assert_eq!(
            node("not a function", line, 19),
            Some(("x.foo is not a function".into(), 19))
        );
        let line = "  const X = 5; new X();";
        assert_eq!(
            node("not a function", line, 20),
            Some(("X is not a constructor".into(), 16))
        );
        let line = "  const o = {a:1}; new o.a(1, 2);";
        assert_eq!(
            node("not a function", line, 24),
            Some(("o.a is not a constructor".into(), 20))
        );
        let line = "  const f = null; await f(1);";
        assert_eq!(
            node("not a function", line, 25),
            Some(("f is not a function".into(), 25))
        );
        // Not a plain call: the engine's message stays.
        assert_eq!(node("not a function", "  [1].map(3);", 3), None);
    }

    #[test]
    fn property_errors_read_and_point_as_in_node() {
        assert_eq!(
            node(
                "cannot read property 'x' of null",
                "const z = 0; null.x;",
                13
            ),
            Some(("Cannot read properties of null (reading 'x')".into(), 19))
        );
        assert_eq!(
            node(
                "cannot read property 'c' of undefined",
                "const a = 1; a.b.c;",
                14
            ),
            Some((
                "Cannot read properties of undefined (reading 'c')".into(),
                18
            ))
        );
        assert_eq!(
            node(
                "cannot set property 'v' of undefined",
                "  const u = undefined; u.v = 1;",
                24
            ),
            Some((
                "Cannot set properties of undefined (setting 'v')".into(),
                28
            ))
        );
    }
}
