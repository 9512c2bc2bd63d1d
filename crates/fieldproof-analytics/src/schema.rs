//! The Arrow schema of a dataset as stored in Parquet: its columns in order, then `extra`.

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use fieldproof_core::dataset::{ColumnType, Dataset, EXTRA};
use std::sync::Arc;

/// The Arrow type of a column type.
pub fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Float => DataType::Float64,
    }
}

/// The stored schema of `dataset`.
pub fn of(dataset: &Dataset) -> SchemaRef {
    let mut fields: Vec<Field> = dataset
        .columns
        .iter()
        .map(|c| Field::new(c.name, arrow_type(c.ty), c.nullable))
        .collect();
    fields.push(Field::new(EXTRA, DataType::Utf8, true));
    Arc::new(Schema::new(fields))
}
