//! Generates `DeclaredLimits` for every message an RPC takes, from proto/limits.txt: every
//! repeated or map field reachable from an RPC's input must have a declared number of entries,
//! and every string or bytes field a number of bytes (a default unless the table says otherwise).
//! The build fails on a reachable repeated field without a limit and on a table line that names
//! no reachable field, so the table cannot drift from the API.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};

/// Bytes a string or bytes field may hold when the table does not say: the longest free text
/// the handlers accept (4,000 characters) at 4 bytes a character of UTF-8.
pub const DEFAULT_BYTES: usize = 16_000;

/// Well-known types the crate maps to its own Rust types (see `extern_path` in build.rs).
const EXTERN_TYPES: &[(&str, &str)] = &[
    ("google.protobuf.Timestamp", "crate::Timestamp"),
    ("google.protobuf.FieldMask", "crate::FieldMask"),
];

/// The table: limit by "full.message.Name.field".
pub fn parse_table(text: &str) -> Result<BTreeMap<String, usize>, String> {
    let mut table = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(field), Some(limit), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!(
                "line {}: expected `message.field limit`",
                number + 1
            ));
        };
        let limit = limit
            .parse::<usize>()
            .map_err(|error| format!("line {}: limit {limit:?}: {error}", number + 1))?;
        if table.insert(field.to_string(), limit).is_some() {
            return Err(format!("line {}: {field} is listed twice", number + 1));
        }
    }
    Ok(table)
}

/// A message of the descriptor set, with where prost puts its Rust type.
struct Message<'a> {
    descriptor: &'a DescriptorProto,
    rust_path: String,
}

fn index<'a>(descriptors: &'a FileDescriptorSet) -> BTreeMap<String, Message<'a>> {
    fn add<'a>(
        messages: &mut BTreeMap<String, Message<'a>>,
        prefix: &str,
        module: &str,
        descriptor: &'a DescriptorProto,
    ) {
        let full_name = format!("{prefix}.{}", descriptor.name());
        // prost puts nested messages in a module named after their parent.
        let nested_module = format!("{module}::{}", snake_case(descriptor.name()));
        for nested in &descriptor.nested_type {
            add(messages, &full_name, &nested_module, nested);
        }
        messages.insert(
            full_name,
            Message {
                descriptor,
                rust_path: format!("{module}::{}", upper_camel_case(descriptor.name())),
            },
        );
    }
    let mut messages = BTreeMap::new();
    for file in &descriptors.file {
        let package = file.package();
        let Some(module) = package
            .strip_prefix("hazard_ledger.")
            .map(|rest| format!("crate::{}", rest.replace('.', "::")))
        else {
            continue;
        };
        for descriptor in &file.message_type {
            add(&mut messages, package, &module, descriptor);
        }
    }
    messages
}

/// What a field holds, as far as its limits go.
enum Kind {
    Text,
    Bytes,
    Message(String),
    Map,
    Other,
}

fn kind(field: &FieldDescriptorProto, messages: &BTreeMap<String, Message<'_>>) -> Kind {
    match field.r#type() {
        Type::String => Kind::Text,
        Type::Bytes => Kind::Bytes,
        Type::Message => {
            let name = field.type_name().trim_start_matches('.').to_string();
            let is_map = messages.get(&name).is_some_and(|message| {
                message
                    .descriptor
                    .options
                    .as_ref()
                    .is_some_and(|options| options.map_entry())
            });
            if is_map {
                Kind::Map
            } else {
                Kind::Message(name)
            }
        }
        _ => Kind::Other,
    }
}

/// The generated code, or why the table does not fit the API.
pub fn generate(
    descriptors: &FileDescriptorSet,
    table: &BTreeMap<String, usize>,
) -> Result<String, String> {
    let messages = index(descriptors);
    let mut inputs = BTreeSet::new();
    let mut outputs = BTreeSet::new();
    for file in &descriptors.file {
        if !file.package().starts_with("hazard_ledger.") {
            continue;
        }
        for service in &file.service {
            for method in &service.method {
                inputs.insert(method.input_type().trim_start_matches('.').to_string());
                outputs.insert(method.output_type().trim_start_matches('.').to_string());
            }
        }
    }

    // Every message reachable from an input, and the code that checks it.
    let mut reached = BTreeSet::new();
    let mut queue: VecDeque<String> = inputs.iter().cloned().collect();
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    let mut code = String::new();
    while let Some(name) = queue.pop_front() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let (rust_path, fields) = match messages.get(&name) {
            Some(message) => (
                message.rust_path.clone(),
                message.descriptor.field.as_slice(),
            ),
            None => match EXTERN_TYPES.iter().find(|(proto, _)| *proto == name) {
                // The crate's own well-known types: only FieldMask has a list, its paths.
                Some((_, rust)) if name == "google.protobuf.FieldMask" => {
                    let limit = limit_of(table, &mut used, &mut problems, &format!("{name}.paths"));
                    writeln!(
                        code,
                        "#[allow(non_snake_case)]\nfn {}(message: &{rust}, path: &str, violations: &mut crate::limits::FieldViolations) {{\n    crate::limits::lists(violations, path, \"paths\", &message.paths, {limit}, {DEFAULT_BYTES});\n}}",
                        function_name(&name)
                    )
                    .expect("writing to a String");
                    continue;
                }
                Some((_, rust)) => {
                    writeln!(
                        code,
                        "#[allow(non_snake_case)]\nfn {}(_message: &{rust}, _path: &str, _violations: &mut crate::limits::FieldViolations) {{}}",
                        function_name(&name)
                    )
                    .expect("writing to a String");
                    continue;
                }
                None => {
                    problems.push(format!(
                        "{name} is reached from an RPC input but is not known"
                    ));
                    continue;
                }
            },
        };
        let mut body = String::new();
        for field in fields {
            let key = format!("{name}.{}", field.name());
            let rust_field = field_name(field.name());
            let repeated = field.label() == Label::Repeated;
            let kind = kind(field, &messages);
            let in_oneof = field.oneof_index.is_some() && !field.proto3_optional();
            let optional = field.proto3_optional();
            if let Kind::Message(inner) = &kind {
                queue.push_back(inner.clone());
            }
            // Neither appears in a request today; the build says so if one is added, rather than
            // leaving its contents unbounded.
            if let Kind::Map = kind {
                problems.push(format!("{key}: map fields in requests are not supported"));
                continue;
            }
            if in_oneof {
                problems.push(format!("{key}: oneof fields in requests are not supported"));
                continue;
            }
            if repeated {
                let limit = limit_of(table, &mut used, &mut problems, &key);
                match &kind {
                    // The table's line is the number of entries; each entry takes the default.
                    Kind::Text | Kind::Bytes => writeln!(
                        body,
                        "    crate::limits::lists(violations, path, \"{}\", &message.{rust_field}, {limit}, {DEFAULT_BYTES});",
                        field.name(),
                    ),
                    Kind::Message(inner) => writeln!(
                        body,
                        "    if crate::limits::entries(violations, path, \"{0}\", message.{rust_field}.len(), {limit}) {{\n        for (index, item) in message.{rust_field}.iter().enumerate() {{\n            {1}(item, &crate::limits::item(path, \"{0}\", index), violations);\n        }}\n    }}",
                        field.name(),
                        function_name(inner)
                    ),
                    _ => writeln!(
                        body,
                        "    crate::limits::entries(violations, path, \"{}\", message.{rust_field}.len(), {limit});",
                        field.name()
                    ),
                }
                .expect("writing to a String");
                continue;
            }
            let value = if optional || matches!(kind, Kind::Message(_)) {
                "value".to_string()
            } else {
                format!("&message.{rust_field}")
            };
            if let Some(check) = single_check(&kind, table, &mut used, &key, field.name(), &value) {
                if optional || matches!(kind, Kind::Message(_)) {
                    writeln!(
                        body,
                        "    if let Some(value) = &message.{rust_field} {{\n    {check}\n    }}"
                    )
                } else {
                    writeln!(body, "    {check}")
                }
                .expect("writing to a String");
            }
        }
        writeln!(
            code,
            "#[allow(non_snake_case, unused_variables)]\nfn {}(message: &{rust_path}, path: &str, violations: &mut crate::limits::FieldViolations) {{\n{body}}}",
            function_name(&name)
        )
        .expect("writing to a String");
    }

    for key in table.keys() {
        if !used.contains(key) {
            problems.push(format!(
                "proto/limits.txt names {key}, which is no string, bytes or repeated field of a message an RPC takes"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }

    for input in &inputs {
        let rust_path = rust_type(&messages, input)?;
        writeln!(
            code,
            "impl crate::limits::DeclaredLimits for {rust_path} {{\n    fn check_limits(&self, violations: &mut crate::limits::FieldViolations) {{\n        {}(self, \"\", violations);\n    }}\n}}",
            function_name(input)
        )
        .expect("writing to a String");
    }
    // `for_each_request!(callback)`: every RPC's input type, for tests that cover them all.
    let calls: String = inputs
        .iter()
        .map(|input| {
            rust_type(&messages, input).map(|path| {
                format!(
                    "        $callback!({});\n",
                    path.replacen("crate::", "$crate::", 1)
                )
            })
        })
        .collect::<Result<_, _>>()?;
    writeln!(
        code,
        "/// Calls `$callback!(path)` for the input type of every RPC of the API.\n#[macro_export]\nmacro_rules! for_each_request {{\n    ($callback:ident) => {{\n{calls}    }};\n}}"
    )
    .expect("writing to a String");
    // What a client decodes: answers are the server's own and are not checked.
    for output in outputs.difference(&inputs) {
        let rust_path = rust_type(&messages, output)?;
        writeln!(
            code,
            "impl crate::limits::DeclaredLimits for {rust_path} {{\n    fn check_limits(&self, _violations: &mut crate::limits::FieldViolations) {{}}\n}}"
        )
        .expect("writing to a String");
    }
    Ok(code)
}

fn rust_type(messages: &BTreeMap<String, Message<'_>>, name: &str) -> Result<String, String> {
    if name == "google.protobuf.Empty" {
        return Ok("()".into());
    }
    messages
        .get(name)
        .map(|message| message.rust_path.clone())
        .or_else(|| {
            EXTERN_TYPES
                .iter()
                .find(|(proto, _)| *proto == name)
                .map(|(_, rust)| rust.to_string())
        })
        .ok_or_else(|| format!("{name} is an RPC's message but is not known"))
}

/// The check of one string, bytes or message value (`value` is a reference to it).
fn single_check(
    kind: &Kind,
    table: &BTreeMap<String, usize>,
    used: &mut BTreeSet<String>,
    key: &str,
    field: &str,
    value: &str,
) -> Option<String> {
    match kind {
        Kind::Text => Some(format!(
            "crate::limits::text(violations, path, \"{field}\", {value}, {});",
            bytes_limit(table, used, key)
        )),
        Kind::Bytes => Some(format!(
            "crate::limits::bytes(violations, path, \"{field}\", {value}, {});",
            bytes_limit(table, used, key)
        )),
        Kind::Message(inner) => Some(format!(
            "{}({value}, &crate::limits::member(path, \"{field}\"), violations);",
            function_name(inner)
        )),
        _ => None,
    }
}

/// A repeated field's declared number of entries; a problem when the table has none.
fn limit_of(
    table: &BTreeMap<String, usize>,
    used: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
    key: &str,
) -> usize {
    used.insert(key.to_string());
    table.get(key).copied().unwrap_or_else(|| {
        problems.push(format!(
            "{key} is a repeated field of a message an RPC takes: declare its limit in proto/limits.txt"
        ));
        0
    })
}

/// A string or bytes field's limit: the table's, or the default.
fn bytes_limit(table: &BTreeMap<String, usize>, used: &mut BTreeSet<String>, key: &str) -> usize {
    match table.get(key) {
        Some(limit) => {
            used.insert(key.to_string());
            *limit
        }
        None => DEFAULT_BYTES,
    }
}

fn function_name(full_name: &str) -> String {
    format!("limits_of_{}", full_name.replace('.', "_"))
}

/// A field as prost names it in Rust.
fn field_name(name: &str) -> String {
    let snake = snake_case(name);
    match snake.as_str() {
        "as" | "break" | "const" | "continue" | "else" | "enum" | "extern" | "false" | "fn"
        | "for" | "if" | "impl" | "in" | "let" | "loop" | "match" | "mod" | "move" | "mut"
        | "pub" | "ref" | "return" | "static" | "struct" | "trait" | "true" | "type" | "unsafe"
        | "use" | "where" | "while" | "async" | "await" | "dyn" | "abstract" | "become" | "box"
        | "do" | "final" | "macro" | "override" | "priv" | "typeof" | "unsized" | "virtual"
        | "yield" | "try" | "gen" => format!("r#{snake}"),
        "self" | "super" | "crate" | "Self" => format!("{snake}_"),
        _ => snake,
    }
}

fn snake_case(name: &str) -> String {
    let mut snake = String::new();
    let characters: Vec<char> = name.chars().collect();
    for (index, character) in characters.iter().enumerate() {
        if character.is_uppercase() {
            let previous = index.checked_sub(1).map(|before| characters[before]);
            let next = characters.get(index + 1);
            let starts_word = previous.is_some_and(|previous| {
                previous.is_lowercase()
                    || previous.is_ascii_digit()
                    || (previous.is_uppercase() && next.is_some_and(|next| next.is_lowercase()))
            });
            if starts_word && !snake.ends_with('_') {
                snake.push('_');
            }
            snake.extend(character.to_lowercase());
        } else {
            snake.push(*character);
        }
    }
    snake
}

fn upper_camel_case(name: &str) -> String {
    let mut camel = String::new();
    let mut upper = true;
    for character in name.chars() {
        if character == '_' {
            upper = true;
        } else if upper {
            camel.extend(character.to_uppercase());
            upper = false;
        } else {
            camel.push(character);
        }
    }
    camel
}
