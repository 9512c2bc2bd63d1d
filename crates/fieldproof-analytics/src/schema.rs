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

/// The schema the engine scans `dataset`'s parts with: the stored one, with text as Arrow's
/// string view. DataFusion's Parquet reader reads text as views anyway (and casts them to the
/// table's type when it is plain `Utf8`); comparing and hashing views of short strings, such as
/// device and message ids, needs no pointer chase. Results are written in the stored types.
pub fn scan(dataset: &Dataset) -> SchemaRef {
    let stored = of(dataset);
    let fields: Vec<Field> = stored
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}
