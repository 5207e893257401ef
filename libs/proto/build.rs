//! Compiles every .proto under the workspace's proto/ folder with protox (no system protoc) and
//! writes the descriptor set that server reflection serves.

use std::path::{Path, PathBuf};

use prost::Message;

#[path = "build/declared_limits.rs"]
mod declared_limits;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = manifest_dir.join("../../proto").canonicalize()?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    let mut protos = Vec::new();
    collect_protos(&proto_root, &mut protos)?;
    protos.sort();
    // protox does not tell cargo what it read; without these lines a changed .proto would not
    // trigger a rebuild.
    println!("cargo:rerun-if-changed={}", proto_root.display());
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }

    let file_descriptors = protox::compile(&protos, [&proto_root])?;
    std::fs::write(
        out_dir.join("hazard_ledger_descriptor.bin"),
        file_descriptors.encode_to_vec(),
    )?;
    std::fs::write(
        out_dir.join("request_traits.rs"),
        request_traits(&file_descriptors),
    )?;
    std::fs::write(out_dir.join("enum_list.rs"), enum_list(&file_descriptors))?;
    let limits_file = proto_root.join("limits.txt");
    println!("cargo:rerun-if-changed={}", limits_file.display());
    let table = declared_limits::parse_table(&std::fs::read_to_string(&limits_file)?)
        .map_err(|problem| format!("{}: {problem}", limits_file.display()))?;
    std::fs::write(
        out_dir.join("declared_table.rs"),
        declared_limits::table_constants(&table),
    )?;
    std::fs::write(
        out_dir.join("declared_limits.rs"),
        declared_limits::generate(&file_descriptors, &table)?,
    )?;

    let mut config = prost_build::Config::new();
    // Gives every message a `prost::Name` impl, whose full name is an event's event_type.
    config.enable_type_names();
    tonic_prost_build::configure()
        // Our own Timestamp is wire-identical to google.protobuf.Timestamp and also implements
        // serde, so every message can be kept in an aggregate snapshot.
        .extern_path(".google.protobuf.Timestamp", "crate::Timestamp")
        .extern_path(".google.protobuf.FieldMask", "crate::FieldMask")
        .type_attribute(
            ".hazard_ledger",
            "#[derive(serde::Serialize, serde::Deserialize)]",
        )
        .message_attribute(".hazard_ledger", "#[serde(default)]")
        // Every decoded request is checked against its declared limits (see limits.rs).
        .codec_path("crate::limits::LimitedCodec")
        .build_client(true)
        .build_server(true)
        .compile_fds_with_config(file_descriptors, config)?;
    Ok(())
}

/// The Rust path of a message or enum of a `hazard_ledger.<context>.v1` package, as
/// `tonic::include_proto!` places it in this crate: `hazards::v1::GradeHazardRequest`.
fn rust_path(package: &str, name: &str) -> Option<String> {
    let rest = package.strip_prefix("hazard_ledger.")?;
    Some(format!("{}::{name}", rest.replace('.', "::")))
}

/// Implementations of the request traits (see `requests.rs`) for every request message that
/// has the fields they read, so every context's requests get them without a list to keep.
fn request_traits(descriptors: &prost_types::FileDescriptorSet) -> String {
    let mut code = String::new();
    for file in &descriptors.file {
        let package = file.package();
        for message in &file.message_type {
            let name = message.name();
            let Some(path) = rust_path(package, name) else {
                continue;
            };
            if !name.ends_with("Request") {
                continue;
            }
            let field = |wanted: &str| message.field.iter().any(|field| field.name() == wanted);
            if field("request_id") {
                let occurred_at = if field("occurred_at") {
                    "self.occurred_at.as_ref()"
                } else {
                    "None"
                };
                code.push_str(&format!(
                    "impl crate::requests::CommandRequest for crate::{path} {{\n    fn request_id(&self) -> &str {{ &self.request_id }}\n    fn occurred_at(&self) -> Option<&crate::Timestamp> {{ {occurred_at} }}\n}}\n"
                ));
            }
            if field("name") {
                code.push_str(&format!(
                    "impl crate::requests::NamedRequest for crate::{path} {{\n    fn name(&self) -> &str {{ &self.name }}\n}}\n"
                ));
            }
            if field("as_of") || field("name") {
                let as_of = if field("as_of") {
                    "self.as_of.as_ref()"
                } else {
                    "None"
                };
                code.push_str(&format!(
                    "impl crate::requests::AsOfRequest for crate::{path} {{\n    fn as_of(&self) -> Option<&crate::Timestamp> {{ {as_of} }}\n}}\n"
                ));
            }
        }
    }
    code
}

/// `for_each_enum!(callback)` calls `callback!(path)` once per top-level enum, so a crate that
/// stores enums (the read models) covers every context's enums without a list to keep.
fn enum_list(descriptors: &prost_types::FileDescriptorSet) -> String {
    let mut paths = Vec::new();
    for file in &descriptors.file {
        for enumeration in &file.enum_type {
            if let Some(path) = rust_path(file.package(), enumeration.name()) {
                paths.push(path);
            }
        }
    }
    let calls: String = paths
        .iter()
        .map(|path| format!("        $callback!($crate::{path});\n"))
        .collect();
    format!(
        "/// Calls `$callback!(path)` for every top-level protobuf enum of the API.\n#[macro_export]\nmacro_rules! for_each_enum {{\n    ($callback:ident) => {{\n{calls}    }};\n}}\n"
    )
}

fn collect_protos(folder: &Path, protos: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(&path, protos)?;
        } else if path
            .extension()
            .is_some_and(|extension| extension == "proto")
        {
            protos.push(path);
        }
    }
    Ok(())
}
