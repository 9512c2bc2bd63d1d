//! Record access: the fields of a source record, JSON or CSV, by name or JSON path, and what the mapping does not use.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A field of a source record.
#[derive(Debug, Clone)]
pub(super) enum Field<'a> {
    Missing,
    Null,
    Text(Cow<'a, str>),
    Number(&'a str),
    Bool(bool),
    Nested(&'a str),
}

/// A JSON object's top-level entries, borrowed from the line.
pub(super) struct Entries<'a>(pub(super) Vec<(Cow<'a, str>, &'a RawValue)>);

pub(super) struct Key<'a>(pub(super) Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some((k, v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    out.push((k.0, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

pub(super) fn raw_field(raw: &RawValue) -> Field<'_> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => {
            let inner = &text[1..text.len() - 1];
            if inner.contains('\\') {
                match serde_json::from_str::<String>(text) {
                    Ok(s) => Field::Text(Cow::Owned(s)),
                    Err(_) => Field::Missing,
                }
            } else {
                Field::Text(Cow::Borrowed(inner))
            }
        }
        Some(b'n') => Field::Null,
        Some(b't') => Field::Bool(true),
        Some(b'f') => Field::Bool(false),
        Some(b'{' | b'[') => Field::Nested(text),
        _ => Field::Number(text),
    }
}

/// Looks a dotted path up in a JSON object.
pub(super) fn json_path<'a>(entries: &[(Cow<'a, str>, &'a RawValue)], path: &str) -> Field<'a> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some((_, raw)) = entries.iter().find(|(k, _)| k == head) else {
        return Field::Missing;
    };
    match rest {
        None => raw_field(raw),
        Some(rest) => {
            // A numeric segment indexes an array: `assets.0.digest`.
            let text: &'a str = raw.get();
            if text.starts_with('[') {
                let (index, after) = match rest.split_once('.') {
                    Some((i, a)) => (i, Some(a)),
                    None => (rest, None),
                };
                let Ok(index) = index.parse::<usize>() else {
                    return Field::Missing;
                };
                let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(text) else {
                    return Field::Missing;
                };
                let Some(item) = items.get(index) else {
                    return Field::Missing;
                };
                return match after {
                    None => raw_field(item),
                    Some(after) => match serde_json::from_str::<Entries<'a>>(item.get()) {
                        Ok(inner) => json_path(&inner.0, after),
                        Err(_) => Field::Missing,
                    },
                };
            }
            match serde_json::from_str::<Entries<'a>>(text) {
                Ok(inner) => json_path(&inner.0, rest),
                Err(_) => Field::Missing,
            }
        }
    }
}

/// A source record: a JSON object or a CSV row.
pub(super) enum Record<'a, 'h> {
    Json(&'a [(Cow<'a, str>, &'a RawValue)]),
    Csv {
        header: &'h [String],
        fields: &'a [&'a str],
    },
}

impl<'a> Record<'a, '_> {
    pub(super) fn get(&self, path: &str) -> Field<'a> {
        match self {
            Record::Json(entries) => json_path(entries, path),
            Record::Csv { header, fields } => match header.iter().position(|h| h == path) {
                Some(i) => match fields.get(i).copied() {
                    Some("") => Field::Null,
                    Some(v) => Field::Text(Cow::Borrowed(v)),
                    None => Field::Missing,
                },
                None => Field::Missing,
            },
        }
    }

    pub(super) fn text(field: &Field<'_>) -> Option<String> {
        match field {
            Field::Text(t) => Some(t.to_string()),
            Field::Number(n) => Some((*n).to_string()),
            Field::Bool(b) => Some(b.to_string()),
            Field::Nested(raw) => Some((*raw).to_string()),
            Field::Null | Field::Missing => None,
        }
    }

    /// The source fields no rule reads, as one JSON object.
    pub(super) fn extra(&self, used: &[String]) -> Option<String> {
        let mut out = String::new();
        let mut push = |key: &str, raw: &str| {
            out.push(if out.is_empty() { '{' } else { ',' });
            out.push_str(&serde_json::to_string(key).unwrap_or_default());
            out.push(':');
            out.push_str(raw);
        };
        match self {
            Record::Json(entries) => {
                for (k, v) in entries.iter() {
                    if !used.iter().any(|u| u == k) {
                        push(k, v.get());
                    }
                }
            }
            Record::Csv { header, fields } => {
                for (h, v) in header.iter().zip(fields.iter()) {
                    if !used.iter().any(|u| u == h) && !v.is_empty() {
                        push(h, &serde_json::to_string(v).unwrap_or_default());
                    }
                }
            }
        }
        if out.is_empty() {
            None
        } else {
            out.push('}');
            Some(out)
        }
    }
}
