//! Compiles every .proto under the workspace's proto/ folder with protox (no system protoc) and
//! writes the descriptor set that server reflection serves.

use std::path::{Path, PathBuf};

use prost::Message;

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
        .build_client(true)
        .build_server(true)
        .compile_fds_with_config(file_descriptors, config)?;
    Ok(())
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
