//! The API reference stays complete and current: every public element of the protos has a
//! comment, and docs/api-reference.md is what `make docs` generates from them today.

use std::path::{Path, PathBuf};

fn committed_reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/api-reference.md")
}

#[test]
fn every_public_service_method_message_field_and_enum_value_has_a_comment() {
    let missing = hl_apidoc::undocumented(&hl_apidoc::api_descriptors());
    assert!(
        missing.is_empty(),
        "{} public elements of proto/ have no comment; the reference would leave integrators \
         guessing:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_committed_reference_is_the_one_the_protos_generate() {
    let generated = hl_apidoc::render(&hl_apidoc::api_descriptors());
    let committed = std::fs::read_to_string(committed_reference()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/api-reference.md is not what the protos, the role table and the reason catalog \
         generate: run `make docs` and commit the result"
    );
}

#[test]
fn an_element_without_a_comment_or_with_only_a_section_header_is_reported() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("sample.proto"),
        r#"syntax = "proto3";
package hazard_ledger.sample.v1;

import "google/protobuf/timestamp.proto";

// A documented service.
service SampleService {
  // ---- Things ----
  rpc GetThing(GetThingRequest) returns (Thing);

  // ---- More things ----

  // What follows lists things.

  // Lists the things, as they come.
  rpc WatchThings(GetThingRequest) returns (stream Thing);
}

// Asks for one thing.
message GetThingRequest {
  // The thing's resource name.
  string name = 1;
  int32 undocumented_number = 2;
  // Its labels.
  map<string, string> labels = 3;
  // The moment asked about.
  google.protobuf.Timestamp as_of = 4;
  oneof pick {
    // By colour.
    Colour by_colour = 5;
    // By part.
    Thing.Part by_part = 6;
  }
}

message Thing {
  // Its colour.
  Colour colour = 1;
  // A part of a thing.
  message Part {
    int32 size = 1;
    // How a part is made.
    enum Make {
      // Not said.
      MAKE_UNSPECIFIED = 0;
    }
  }
}

// What colour a thing is.
enum Colour {
  // Not said.
  COLOUR_UNSPECIFIED = 0;
  COLOUR_RED = 1;
}
"#,
    )
    .unwrap();
    let descriptors = protox::compile(["sample.proto"], [folder.path()]).unwrap();
    let missing = hl_apidoc::undocumented(&descriptors);
    assert_eq!(
        missing,
        [
            "sample.proto:9: rpc hazard_ledger.sample.v1.SampleService.GetThing",
            "sample.proto:23: field hazard_ledger.sample.v1.GetThingRequest.undocumented_number",
            "sample.proto:28: oneof hazard_ledger.sample.v1.GetThingRequest.pick",
            "sample.proto:36: message hazard_ledger.sample.v1.Thing",
            "sample.proto:41: field hazard_ledger.sample.v1.Thing.Part.size",
            "sample.proto:54: enum value hazard_ledger.sample.v1.Colour.COLOUR_RED",
        ]
    );
    let reference = hl_apidoc::render(&descriptors);
    for expected in [
        "| `name` | 1 | string | The thing's resource name. In a request, at most 16,000 bytes. |",
        "| `colour` | 1 | [Colour](#hazard_ledger.sample.v1.Colour) | Its colour. |",
        "| `labels` | 3 | map&lt;string, string&gt; | Its labels. |",
        "| `as_of` | 4 | google.protobuf.Timestamp | The moment asked about. |",
        "| `by_part` | 6 | [Thing.Part](#hazard_ledger.sample.v1.Thing.Part) | One of `pick`. By part. |",
        "<a id=\"hazard_ledger.sample.v1.Thing.Part.Make\"></a>\n\n### Enum Thing.Part.Make",
        "**More things**\n\nWhat follows lists things.\n",
        "`rpc WatchThings(`[GetThingRequest](#hazard_ledger.sample.v1.GetThingRequest)`) returns (`stream [Thing](#hazard_ledger.sample.v1.Thing)`)`",
    ] {
        assert!(reference.contains(expected), "{expected}\n---\n{reference}");
    }
    assert!(
        !reference.contains("GetThingRequest.LabelsEntry"),
        "a map's entry message is not the API's: {reference}"
    );
}

/// Every .rs file under a folder.
fn rust_files(folder: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_reason_in_the_catalog_is_sent_by_some_code() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for folder in ["libs", "services"] {
        rust_files(&root.join(folder), &mut files);
    }
    let catalog = root
        .join("libs/domain/src/reasons.rs")
        .canonicalize()
        .unwrap();
    let sources: String = files
        .iter()
        .filter(|file| file.canonicalize().unwrap() != catalog)
        .map(|file| std::fs::read_to_string(file).unwrap())
        .collect();
    let unused: Vec<&str> = hl_domain::reasons::ALL
        .iter()
        .map(|reason| reason.name)
        .filter(|name| !sources.contains(&format!("reasons::{name}")))
        .collect();
    assert!(
        unused.is_empty(),
        "the reference would list reasons nothing sends: {unused:?}"
    );
}
