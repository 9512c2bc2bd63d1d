//! OSCAL import (any catalog) and export (catalogs, the control library, mapping collections).

pub mod export;
pub mod import;
pub mod profile;
