//! Columns declared once. A row type lists its fields one time, with [`columns!`] for a new
//! struct or [`impl_columns!`] for a struct defined elsewhere (a domain type); the CREATE
//! statement, the values an INSERT binds and the reading of a SELECT row all derive from that
//! one list.
//!
//! Every field's type says how it is stored: text as TEXT, numbers, flags and protobuf enums as
//! BIGINT, instants as BIGINT milliseconds since the epoch, calendar dates as 'YYYY-MM-DD' TEXT
//! (which orders like the dates). A field whose type is itself a group of columns is flattened
//! into its parent, so a domain type shared by several tables is listed once.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Value;

/// One column of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The portable SQL type and nullability, e.g. "BIGINT NOT NULL".
    pub sql_type: &'static str,
}

/// A value stored in one or more columns.
pub trait Columns: Sized {
    /// A group of fields flattened into its parent (a struct), as opposed to one column.
    const GROUP: bool = false;

    /// Appends the columns: one named `name` for a single value, or a group's own (each
    /// named `name` + field, `name` being the parent's prefix).
    fn columns(name: &str, out: &mut Vec<Column>);

    /// Appends the values in the order of [`Columns::columns`].
    fn values(&self, out: &mut Vec<Value>);

    /// Reads the value back from a selected row.
    fn read(row: &AnyRow, name: &str) -> Result<Self, sqlx::Error>;

    /// Every column of this type, for a table or a SELECT list.
    fn column_list() -> Vec<Column> {
        let mut columns = Vec::new();
        Self::columns("", &mut columns);
        columns
    }

    /// Every value, in column order.
    fn value_list(&self) -> Vec<Value> {
        let mut values = Vec::new();
        self.values(&mut values);
        values
    }

    /// Reads a whole row of this type.
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Self::read(row, "")
    }
}

/// The name a field's columns get inside a group: a nested group keeps the parent's prefix,
/// a single value is named prefix + field.
pub fn field_name<T: Columns>(prefix: &str, field: &str) -> String {
    if T::GROUP {
        prefix.to_string()
    } else {
        format!("{prefix}{field}")
    }
}

fn decode_error(name: &str, problem: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("column {name}: {problem}").into())
}

/// A single-column type: how it is stored as TEXT or BIGINT.
macro_rules! single_column {
    ($type:ty, $sql:literal, $stored:ty, |$value:ident| $store:expr, |$loaded:ident, $name:ident| $load:expr) => {
        impl Columns for $type {
            fn columns(name: &str, out: &mut Vec<Column>) {
                out.push(Column {
                    name: name.to_string(),
                    sql_type: concat!($sql, " NOT NULL"),
                });
            }
            fn values(&self, out: &mut Vec<Value>) {
                let $value = self;
                out.push(Value::from($store));
            }
            fn read(row: &AnyRow, $name: &str) -> Result<Self, sqlx::Error> {
                let $loaded: $stored = row.try_get($name)?;
                $load
            }
        }

        impl Columns for Option<$type> {
            fn columns(name: &str, out: &mut Vec<Column>) {
                out.push(Column {
                    name: name.to_string(),
                    sql_type: $sql,
                });
            }
            fn values(&self, out: &mut Vec<Value>) {
                let stored: Option<$stored> = self.as_ref().map(|$value| $store);
                out.push(Value::from(stored));
            }
            fn read(row: &AnyRow, $name: &str) -> Result<Self, sqlx::Error> {
                let stored: Option<$stored> = row.try_get($name)?;
                stored.map(|$loaded| $load).transpose()
            }
        }
    };
}

single_column!(
    String,
    "TEXT",
    String,
    |value| value.clone(),
    |stored, _name| Ok(stored)
);
single_column!(i64, "BIGINT", i64, |value| *value, |stored, _name| Ok(
    stored
));
single_column!(
    i32,
    "BIGINT",
    i64,
    |value| i64::from(*value),
    |stored, name| i32::try_from(stored).map_err(|error| decode_error(name, error))
);
single_column!(
    u32,
    "BIGINT",
    i64,
    |value| i64::from(*value),
    |stored, name| u32::try_from(stored).map_err(|error| decode_error(name, error))
);
single_column!(u64, "BIGINT", i64, |value| *value as i64, |stored, name| {
    u64::try_from(stored).map_err(|error| decode_error(name, error))
});
single_column!(
    bool,
    "BIGINT",
    i64,
    |value| i64::from(*value),
    |stored, _name| Ok(stored != 0)
);
single_column!(
    DateTime<Utc>,
    "BIGINT",
    i64,
    |value| value.timestamp_millis(),
    |stored, name| DateTime::from_timestamp_millis(stored)
        .ok_or_else(|| decode_error(name, "instant out of range"))
);
single_column!(
    NaiveDate,
    "TEXT",
    String,
    |value| value.to_string(),
    |stored, name| NaiveDate::parse_from_str(&stored, "%Y-%m-%d")
        .map_err(|error| decode_error(name, error))
);

/// A list of short texts in one TEXT column, separated by a control character no id contains.
impl Columns for Vec<String> {
    fn columns(name: &str, out: &mut Vec<Column>) {
        out.push(Column {
            name: name.to_string(),
            sql_type: "TEXT NOT NULL",
        });
    }
    fn values(&self, out: &mut Vec<Value>) {
        out.push(Value::from(self.join(LIST_SEPARATOR)));
    }
    fn read(row: &AnyRow, name: &str) -> Result<Self, sqlx::Error> {
        let stored: String = row.try_get(name)?;
        Ok(stored
            .split(LIST_SEPARATOR)
            .filter(|item| !item.is_empty())
            .map(String::from)
            .collect())
    }
}

/// Separates the items of a [`Vec<String>`] column.
pub const LIST_SEPARATOR: &str = "\u{1f}";

/// A value kept whole as JSON text: state that is read back as a whole and never filtered on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize + serde::de::DeserializeOwned> Columns for Json<T> {
    fn columns(name: &str, out: &mut Vec<Column>) {
        out.push(Column {
            name: name.to_string(),
            sql_type: "TEXT NOT NULL",
        });
    }
    fn values(&self, out: &mut Vec<Value>) {
        out.push(Value::from(
            serde_json::to_string(&self.0).expect("read-model state serializes"),
        ));
    }
    fn read(row: &AnyRow, name: &str) -> Result<Self, sqlx::Error> {
        let stored: String = row.try_get(name)?;
        serde_json::from_str(&stored)
            .map(Json)
            .map_err(|error| decode_error(name, error))
    }
}

/// An enum stored as its code: the protobuf enums of the API (all of them, through
/// `hl_proto::for_each_enum!`) and a context's own enums (with [`code_column!`]).
#[macro_export]
macro_rules! code_column {
    ($type:ty) => {
        impl $crate::Columns for $type {
            fn columns(name: &str, out: &mut Vec<$crate::Column>) {
                out.push($crate::Column {
                    name: name.to_string(),
                    sql_type: "BIGINT NOT NULL",
                });
            }
            fn values(&self, out: &mut Vec<$crate::Value>) {
                out.push($crate::Value::Int(i64::from(i32::from(*self))));
            }
            fn read(row: &$crate::AnyRow, name: &str) -> Result<Self, $crate::sqlx::Error> {
                let code: i64 = $crate::sqlx::Row::try_get(row, name)?;
                Ok(i32::try_from(code)
                    .ok()
                    .and_then(|code| <$type>::try_from(code).ok())
                    .unwrap_or_default())
            }
        }
    };
}

hl_proto::for_each_enum!(code_column);

/// Declares a struct whose fields are columns, listed once:
///
/// ```text
/// columns! {
///     #[derive(Clone, Debug, Default, PartialEq)]
///     pub struct RoundRow {
///         pub round_id: String,
///         pub submitted_at: Option<DateTime<Utc>>,
///     }
/// }
/// ```
#[macro_export]
macro_rules! columns {
    (
        $(#[$meta:meta])*
        $visibility:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_visibility:vis $field:ident : $type:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $visibility struct $name {
            $($(#[$field_meta])* $field_visibility $field: $type),*
        }
        $crate::impl_columns!($name { $($field: $type),* });
    };
}

/// Makes an existing struct (a domain type of the same crate) a group of columns. Every field is
/// named with its type; the list is checked to be complete.
#[macro_export]
macro_rules! impl_columns {
    ($name:ident { $($field:ident : $type:ty),* $(,)? }) => {
        impl $crate::Columns for $name {
            const GROUP: bool = true;

            fn columns(prefix: &str, out: &mut Vec<$crate::Column>) {
                $(<$type as $crate::Columns>::columns(
                    &$crate::field_name::<$type>(prefix, stringify!($field)),
                    out,
                );)*
            }

            fn values(&self, out: &mut Vec<$crate::Value>) {
                // Destructured without `..`, so a field left out of the list fails to compile.
                let $name { $($field),* } = self;
                $(<$type as $crate::Columns>::values($field, out);)*
            }

            fn read(row: &$crate::AnyRow, prefix: &str) -> Result<Self, $crate::sqlx::Error> {
                Ok($name {
                    $($field: <$type as $crate::Columns>::read(
                        row,
                        &$crate::field_name::<$type>(prefix, stringify!($field)),
                    )?),*
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::columns! {
        #[derive(Clone, Debug, Default, PartialEq)]
        struct Inner {
            status: hl_proto::hazards::v1::HazardStatus,
            closed_on: Option<NaiveDate>,
        }
    }

    crate::columns! {
        #[derive(Clone, Debug, Default, PartialEq)]
        struct Outer {
            id: String,
            inner: Inner,
            tags: Vec<String>,
            at: Option<DateTime<Utc>>,
        }
    }

    #[test]
    fn nested_groups_flatten_into_one_column_list() {
        let names: Vec<String> = Outer::column_list()
            .into_iter()
            .map(|column| column.name)
            .collect();
        assert_eq!(names, ["id", "status", "closed_on", "tags", "at"]);
        let types: Vec<&str> = Outer::column_list()
            .into_iter()
            .map(|column| column.sql_type)
            .collect();
        assert_eq!(
            types,
            [
                "TEXT NOT NULL",
                "BIGINT NOT NULL",
                "TEXT",
                "TEXT NOT NULL",
                "BIGINT"
            ]
        );
        let values = Outer {
            id: "a".into(),
            inner: Inner {
                status: hl_proto::hazards::v1::HazardStatus::Closed,
                closed_on: NaiveDate::from_ymd_opt(2023, 5, 1),
            },
            tags: vec!["x".into(), "y".into()],
            at: None,
        }
        .value_list();
        assert_eq!(values.len(), 5);
        assert_eq!(values[2], Value::OptionalText(Some("2023-05-01".into())));
        assert_eq!(values[3], Value::Text("x\u{1f}y".into()));
        assert_eq!(values[4], Value::OptionalInt(None));
    }
}
