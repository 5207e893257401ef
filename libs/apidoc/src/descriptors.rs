//! Reading the descriptor set: each public element of the API with its comment, and the
//! elements that have none.

use std::collections::HashMap;

use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, FileDescriptorSet};

// Field numbers of descriptor.proto: a source location's path is made of them.
const FILE_MESSAGES: i32 = 4;
const FILE_ENUMS: i32 = 5;
const FILE_SERVICES: i32 = 6;
const MESSAGE_FIELDS: i32 = 2;
const MESSAGE_NESTED: i32 = 3;
const MESSAGE_ENUMS: i32 = 4;
const MESSAGE_ONEOFS: i32 = 8;
const ENUM_VALUES: i32 = 2;
const SERVICE_METHODS: i32 = 2;

/// Whether a file belongs to the API (rather than an imported google.* file).
pub(crate) fn is_api_file(file: &FileDescriptorProto) -> bool {
    file.package().starts_with("hazard_ledger.")
}

/// The comments of one file's elements, by source path.
pub(crate) struct Comments {
    /// The comment right above an element, and the line the element starts on.
    by_path: HashMap<Vec<i32>, (String, usize)>,
    /// Comments above an element but apart from it (a blank line between): a file's overview, a
    /// section header such as `---- Hazard ----`, the prose of a section.
    detached: HashMap<Vec<i32>, Vec<String>>,
}

/// A comment that stands apart from the element after it.
pub(crate) enum Detached {
    /// `---- Emergency plans ----`: where a group of elements starts.
    Section(String),
    /// Prose about what follows.
    Text(String),
}

/// A comment's text, one space of indentation removed from each line.
fn unindent(comment: &str) -> String {
    let lines: Vec<&str> = comment
        .lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
        .collect();
    lines.join("\n").trim().to_string()
}

impl Comments {
    pub(crate) fn of(file: &FileDescriptorProto) -> Self {
        let locations = file.source_code_info.iter().flat_map(|info| &info.location);
        let by_path = locations
            .clone()
            .map(|location| {
                let line = location.span.first().map_or(0, |line| *line as usize + 1);
                (
                    location.path.clone(),
                    (location.leading_comments().to_string(), line),
                )
            })
            .collect();
        let detached = locations
            .filter(|location| !location.leading_detached_comments.is_empty())
            .map(|location| {
                (
                    location.path.clone(),
                    location.leading_detached_comments.clone(),
                )
            })
            .collect();
        Comments { by_path, detached }
    }

    /// The comments standing apart above the element at `path`, in file order.
    pub(crate) fn detached(&self, path: &[i32]) -> Vec<Detached> {
        self.detached
            .get(path)
            .into_iter()
            .flatten()
            .map(|comment| unindent(comment))
            .filter(|text| !text.is_empty())
            .map(|text| match section_title(&text) {
                Some(title) => Detached::Section(title.to_string()),
                None => Detached::Text(text),
            })
            .collect()
    }

    /// The comment of the element at `path`, one space of indentation removed from each line.
    /// None when there is none, or when it is only a section header (`---- Hazard ----`), which
    /// says where a group of elements starts, not what this one is.
    pub(crate) fn doc(&self, path: &[i32]) -> Option<String> {
        let (comment, _) = self.by_path.get(path)?;
        let text = unindent(comment);
        (!text.is_empty() && section_title(&text).is_none()).then_some(text)
    }

    /// The 1-based line the element at `path` starts on.
    pub(crate) fn line(&self, path: &[i32]) -> usize {
        self.by_path.get(path).map_or(0, |(_, line)| *line)
    }
}

/// The title of a section header, `---- Hazard ----` → `Hazard`.
fn section_title(text: &str) -> Option<&str> {
    let title = text.strip_prefix("----")?;
    Some(title.trim().trim_end_matches('-').trim())
}

/// A message that protoc makes up for a `map<K, V>` field: not written by anyone, so not
/// documented on its own.
pub(crate) fn is_map_entry(message: &DescriptorProto) -> bool {
    message
        .options
        .as_ref()
        .is_some_and(|options| options.map_entry())
}

/// The path of a top-level message, service or enum of a file, or of a member of an element.
pub(crate) fn child(path: &[i32], kind: i32, index: usize) -> Vec<i32> {
    let mut child = path.to_vec();
    child.extend([kind, index as i32]);
    child
}

pub(crate) fn message_path(index: usize) -> Vec<i32> {
    child(&[], FILE_MESSAGES, index)
}
pub(crate) fn enum_path(index: usize) -> Vec<i32> {
    child(&[], FILE_ENUMS, index)
}
pub(crate) fn service_path(index: usize) -> Vec<i32> {
    child(&[], FILE_SERVICES, index)
}
pub(crate) fn field_path(message: &[i32], index: usize) -> Vec<i32> {
    child(message, MESSAGE_FIELDS, index)
}
pub(crate) fn nested_message_path(message: &[i32], index: usize) -> Vec<i32> {
    child(message, MESSAGE_NESTED, index)
}
pub(crate) fn nested_enum_path(message: &[i32], index: usize) -> Vec<i32> {
    child(message, MESSAGE_ENUMS, index)
}
pub(crate) fn oneof_path(message: &[i32], index: usize) -> Vec<i32> {
    child(message, MESSAGE_ONEOFS, index)
}
pub(crate) fn value_path(enumeration: &[i32], index: usize) -> Vec<i32> {
    child(enumeration, ENUM_VALUES, index)
}
pub(crate) fn method_path(service: &[i32], index: usize) -> Vec<i32> {
    child(service, SERVICE_METHODS, index)
}

/// Every public element of the API without a comment, as `file:line: kind full.name`: the
/// services and their methods, the messages with their fields and oneofs, the enums and their
/// values.
pub fn undocumented(descriptors: &FileDescriptorSet) -> Vec<String> {
    let mut missing = Vec::new();
    for file in descriptors.file.iter().filter(|file| is_api_file(file)) {
        let comments = Comments::of(file);
        let mut check = |path: &[i32], kind: &str, name: &str| {
            if comments.doc(path).is_none() {
                let line = comments.line(path);
                missing.push(format!("{}:{line}: {kind} {name}", file.name()));
            }
        };
        let package = file.package();
        for (index, service) in file.service.iter().enumerate() {
            let path = service_path(index);
            let name = format!("{package}.{}", service.name());
            check(&path, "service", &name);
            for (index, method) in service.method.iter().enumerate() {
                let method_name = format!("{name}.{}", method.name());
                check(&method_path(&path, index), "rpc", &method_name);
            }
        }
        for (index, message) in file.message_type.iter().enumerate() {
            let name = format!("{package}.{}", message.name());
            check_message(message, &message_path(index), &name, &mut check);
        }
        for (index, enumeration) in file.enum_type.iter().enumerate() {
            let name = format!("{package}.{}", enumeration.name());
            check_enum(enumeration, &enum_path(index), &name, &mut check);
        }
    }
    missing
}

fn check_message(
    message: &DescriptorProto,
    path: &[i32],
    name: &str,
    check: &mut impl FnMut(&[i32], &str, &str),
) {
    if is_map_entry(message) {
        return;
    }
    check(path, "message", name);
    for (index, field) in message.field.iter().enumerate() {
        let field_name = format!("{name}.{}", field.name());
        check(&field_path(path, index), "field", &field_name);
    }
    for (index, oneof) in message.oneof_decl.iter().enumerate() {
        // A proto3 `optional` field is wrapped in a oneof of its own that nobody wrote.
        let synthetic = message
            .field
            .iter()
            .any(|field| field.oneof_index == Some(index as i32) && field.proto3_optional());
        if !synthetic {
            let oneof_name = format!("{name}.{}", oneof.name());
            check(&oneof_path(path, index), "oneof", &oneof_name);
        }
    }
    for (index, nested) in message.nested_type.iter().enumerate() {
        let nested_name = format!("{name}.{}", nested.name());
        check_message(
            nested,
            &nested_message_path(path, index),
            &nested_name,
            check,
        );
    }
    for (index, enumeration) in message.enum_type.iter().enumerate() {
        let enum_name = format!("{name}.{}", enumeration.name());
        check_enum(
            enumeration,
            &nested_enum_path(path, index),
            &enum_name,
            check,
        );
    }
}

fn check_enum(
    enumeration: &EnumDescriptorProto,
    path: &[i32],
    name: &str,
    check: &mut impl FnMut(&[i32], &str, &str),
) {
    check(path, "enum", name);
    for (index, value) in enumeration.value.iter().enumerate() {
        let value_name = format!("{name}.{}", value.name());
        check(&value_path(path, index), "enum value", &value_name);
    }
}
