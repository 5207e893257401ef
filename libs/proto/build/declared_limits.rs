//! Generates `DeclaredLimits` for every message an RPC takes, from proto/limits.txt: every
//! repeated field reachable from an RPC's input must have a declared number of entries, and
//! every string or bytes field a number of bytes (a default unless the table says otherwise).
//! The build fails on a reachable repeated field without a limit and on a table line that names
//! no reachable field, so the table cannot drift from the API.
//!
//! The checks scan a request's encoded bytes, before it is decoded: a request past its limits is
//! refused without building it, so what it costs is bounded by the limits, not by what it
//! carries (a few bytes on the wire can be an entry of a hundred bytes in memory).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};

/// Bytes a string or bytes field may hold when the table does not say: the longest free text
/// the handlers accept (4,000 characters) at 4 bytes a character of UTF-8.
pub const DEFAULT_BYTES: usize = 16_000;

/// The table and the default as Rust constants, for readers of the limits (the API reference).
pub fn table_constants(table: &BTreeMap<String, usize>) -> String {
    let rows: String = table
        .iter()
        .map(|(field, limit)| format!("    (\"{field}\", {limit}),\n"))
        .collect();
    format!(
        "/// Every line of proto/limits.txt: (full field name, limit), in name order.\npub const DECLARED: &[(&str, usize)] = &[\n{rows}];\n/// The limit in bytes of a string or bytes field that proto/limits.txt does not list.\npub const DEFAULT_BYTES: usize = {DEFAULT_BYTES};\n"
    )
}

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

/// Every message of the descriptor set by full name; for the API's own, where prost puts its
/// Rust type.
fn index(descriptors: &FileDescriptorSet) -> BTreeMap<String, (&DescriptorProto, Option<String>)> {
    fn add<'a>(
        messages: &mut BTreeMap<String, (&'a DescriptorProto, Option<String>)>,
        prefix: &str,
        module: Option<&str>,
        descriptor: &'a DescriptorProto,
    ) {
        let full_name = format!("{prefix}.{}", descriptor.name());
        // prost puts nested messages in a module named after their parent.
        let nested_module =
            module.map(|module| format!("{module}::{}", snake_case(descriptor.name())));
        for nested in &descriptor.nested_type {
            add(messages, &full_name, nested_module.as_deref(), nested);
        }
        let rust_path =
            module.map(|module| format!("{module}::{}", upper_camel_case(descriptor.name())));
        messages.insert(full_name, (descriptor, rust_path));
    }
    let mut messages = BTreeMap::new();
    for file in &descriptors.file {
        let package = file.package();
        let module = package
            .strip_prefix("hazard_ledger.")
            .map(|rest| format!("crate::{}", rest.replace('.', "::")));
        for descriptor in &file.message_type {
            add(&mut messages, package, module.as_deref(), descriptor);
        }
    }
    messages
}

/// How a field's values are counted on the wire.
fn scalar_width(field_type: Type) -> &'static str {
    match field_type {
        Type::Double | Type::Fixed64 | Type::Sfixed64 => "crate::limits::Width::Fixed64",
        Type::Float | Type::Fixed32 | Type::Sfixed32 => "crate::limits::Width::Fixed32",
        _ => "crate::limits::Width::Varint",
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

    // Every message reachable from an input, and the scan of its bytes.
    let mut reached = BTreeSet::new();
    let mut queue: VecDeque<String> = inputs.iter().cloned().collect();
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    let mut code = String::new();
    while let Some(name) = queue.pop_front() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let Some((descriptor, _)) = messages.get(&name) else {
            problems.push(format!(
                "{name} is reached from an RPC input but is not known"
            ));
            continue;
        };
        // Arms of the match on field numbers; counts of repeated fields; checks at the end.
        let mut arms = String::new();
        let mut finals = String::new();
        let mut repeated_fields = 0usize;
        let mut singular_messages = 0usize;
        for field in &descriptor.field {
            let key = format!("{name}.{}", field.name());
            let number = field.number();
            let field_name = field.name();
            let field_type = field.r#type();
            let repeated = field.label() == Label::Repeated;
            let nested = (field_type == Type::Message)
                .then(|| field.type_name().trim_start_matches('.').to_string());
            if let Some(nested) = &nested {
                let is_map = messages.get(nested).is_some_and(|(message, _)| {
                    message
                        .options
                        .as_ref()
                        .is_some_and(|options| options.map_entry())
                });
                // Neither appears in a request today; the build says so if one is added,
                // rather than leaving its contents unbounded.
                if is_map {
                    problems.push(format!("{key}: map fields in requests are not supported"));
                    continue;
                }
                queue.push_back(nested.clone());
            }
            if field.oneof_index.is_some() && !field.proto3_optional() {
                problems.push(format!("{key}: oneof fields in requests are not supported"));
                continue;
            }
            let arm = match (repeated, field_type, &nested) {
                (false, Type::String | Type::Bytes, _) => format!(
                    "let value = crate::limits::length_delimited(&mut bytes, wire)?;\n            crate::limits::bytes(violations, path, \"{field_name}\", value, {});",
                    bytes_limit(table, &mut used, &key)
                ),
                (false, Type::Message, Some(nested)) => {
                    let seen = singular_messages;
                    singular_messages += 1;
                    // A message field given twice would be merged on decoding, so its lists
                    // could add up past their limits: refused instead.
                    format!(
                        "let value = crate::limits::length_delimited(&mut bytes, wire)?;\n            if seen[{seen}] {{\n                violations.add(crate::limits::member(path, \"{field_name}\"), \"is given more than once\");\n            }} else if depth < crate::limits::MAX_DEPTH {{\n                {}(value, &crate::limits::member(path, \"{field_name}\"), depth + 1, violations)?;\n            }}\n            seen[{seen}] = true;",
                        function_name(nested)
                    )
                }
                (true, _, _) => {
                    let limit = limit_of(table, &mut used, &mut problems, &key);
                    let counter = repeated_fields;
                    repeated_fields += 1;
                    writeln!(
                        finals,
                        "    crate::limits::entries(violations, path, \"{field_name}\", entries[{counter}], {limit});"
                    )
                    .expect("writing to a String");
                    match (field_type, &nested) {
                        (Type::String | Type::Bytes, _) => format!(
                            "let value = crate::limits::length_delimited(&mut bytes, wire)?;\n            entries[{counter}] += 1;\n            if entries[{counter}] <= {limit} {{\n                crate::limits::entry_bytes(violations, path, \"{field_name}\", entries[{counter}] - 1, value, {DEFAULT_BYTES});\n            }}"
                        ),
                        (Type::Message, Some(nested)) => format!(
                            "let value = crate::limits::length_delimited(&mut bytes, wire)?;\n            entries[{counter}] += 1;\n            if entries[{counter}] <= {limit} && depth < crate::limits::MAX_DEPTH {{\n                {}(value, &crate::limits::item(path, \"{field_name}\", entries[{counter}] - 1), depth + 1, violations)?;\n            }}",
                            function_name(nested)
                        ),
                        _ => format!(
                            "entries[{counter}] += crate::limits::scalars(&mut bytes, wire, {})?;",
                            scalar_width(field_type)
                        ),
                    }
                }
                _ => continue,
            };
            writeln!(
                arms,
                "        {number} => {{\n            {arm}\n        }}"
            )
            .expect("writing to a String");
        }
        // A message with nothing to bound (a timestamp, a date) is not read at all.
        let body = if arms.is_empty() {
            "    Some(())\n".to_string()
        } else {
            format!(
                "    let mut entries = [0usize; {repeated_fields}];\n    let mut seen = [false; {singular_messages}];\n    while !bytes.is_empty() {{\n        let (number, wire) = crate::limits::key(&mut bytes)?;\n        match number {{\n{arms}        _ => crate::limits::skip(&mut bytes, wire, number)?,\n        }}\n    }}\n{finals}    Some(())\n"
            )
        };
        writeln!(
            code,
            "#[allow(non_snake_case, unused_mut, unused_variables)]\nfn {}(mut bytes: &[u8], path: &str, depth: usize, violations: &mut crate::limits::FieldViolations) -> Option<()> {{\n{body}}}",
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
            "impl crate::limits::DeclaredLimits for {rust_path} {{\n    fn scan_limits(bytes: &[u8], violations: &mut crate::limits::FieldViolations) {{\n        // Bytes that are not this message stop the scan; decoding then says why.\n        let _ = {}(bytes, \"\", 0, violations);\n    }}\n}}",
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
            "impl crate::limits::DeclaredLimits for {rust_path} {{\n    fn scan_limits(_bytes: &[u8], _violations: &mut crate::limits::FieldViolations) {{}}\n}}"
        )
        .expect("writing to a String");
    }
    Ok(code)
}

/// The Rust type of an RPC's input or output.
fn rust_type(
    messages: &BTreeMap<String, (&DescriptorProto, Option<String>)>,
    name: &str,
) -> Result<String, String> {
    if name == "google.protobuf.Empty" {
        return Ok("()".into());
    }
    messages
        .get(name)
        .and_then(|(_, rust_path)| rust_path.clone())
        .ok_or_else(|| format!("{name} is an RPC's message but not one of the API's own"))
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
    format!("scan_of_{}", full_name.replace('.', "_"))
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
