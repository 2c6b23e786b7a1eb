//! Places: the LGD hierarchy (`places`, parent links) and its closure (`place_ancestors`, every
//! place with each ancestor), so that "within an area" is an index range.

use super::{Db, StorageError, Tx, in_tx, on_pool, placeholders};
use panjiyan_core::location::{Level, Place};
use panjiyan_core::validate::LgdCode;

/// A `places` row as stored; `Place` is its checked form.
#[derive(sqlx::FromRow)]
struct PlaceRow {
    code: String,
    level: String,
    name_hi: String,
    name_en: String,
    parent: Option<String>,
}

impl TryFrom<PlaceRow> for Place {
    type Error = StorageError;

    fn try_from(r: PlaceRow) -> Result<Place, StorageError> {
        Ok(Place {
            code: LgdCode::parse(&r.code).map_err(|_| StorageError::Corrupt("place code"))?,
            level: parse_level(&r.level).ok_or(StorageError::Corrupt("place level"))?,
            name_hi: r.name_hi,
            name_en: r.name_en,
            parent: r
                .parent
                .map(|p| LgdCode::parse(&p))
                .transpose()
                .map_err(|_| StorageError::Corrupt("place parent"))?,
        })
    }
}

fn places(rows: Vec<PlaceRow>) -> Result<Vec<Place>, StorageError> {
    rows.into_iter().map(Place::try_from).collect()
}

pub(crate) fn level_text(level: Level) -> &'static str {
    match level {
        Level::State => "state",
        Level::District => "district",
        Level::Block => "block",
        Level::GramPanchayat => "gram_panchayat",
        Level::Village => "village",
        Level::UrbanBody => "urban_body",
        Level::Ward => "ward",
    }
}
pub(crate) fn parse_level(s: &str) -> Option<Level> {
    [
        Level::State,
        Level::District,
        Level::Block,
        Level::GramPanchayat,
        Level::Village,
        Level::UrbanBody,
        Level::Ward,
    ]
    .into_iter()
    .find(|l| level_text(*l) == s)
}

impl Db {
    /// Stores places (new or changed) and rebuilds the closure; when a place moved, recounts
    /// progress in the same transaction.
    pub async fn upsert_places(&self, places: &[Place]) -> Result<u64, StorageError> {
        let mut tx = self.begin_write().await?;
        let moved = tx.upsert_places(places).await?;
        if moved {
            // A place moved: its counts belong to other ancestors now; count again.
            tx.rebuild_progress().await?;
        }
        tx.commit().await?;
        if moved {
            self.analyze_progress().await?;
        }
        Ok(places.len() as u64)
    }

    pub async fn place(&self, code: &str) -> Result<Option<Place>, StorageError> {
        on_pool!(self, |pool| {
            let row: Option<PlaceRow> = sqlx::query_as(
                "SELECT code, level, name_hi, name_en, parent FROM places WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?;
            row.map(Place::try_from).transpose()
        })
    }

    /// True when `code` is `area` or lies below it.
    pub async fn is_within(&self, code: &str, area: &str) -> Result<bool, StorageError> {
        on_pool!(self, |pool| {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM place_ancestors WHERE ancestor = $1 AND code = $2",
            )
            .bind(area)
            .bind(code)
            .fetch_one(pool)
            .await?;
            Ok(n > 0)
        })
    }

    pub async fn children_of(&self, code: &str) -> Result<Vec<Place>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<PlaceRow> = sqlx::query_as("SELECT code, level, name_hi, name_en, parent FROM places WHERE parent = $1 ORDER BY code")
                .bind(code)
                .fetch_all(pool)
                .await?;
            places(rows)
        })
    }

    /// Places with no parent: the states the server holds.
    pub async fn root_places(&self) -> Result<Vec<Place>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<PlaceRow> = sqlx::query_as("SELECT code, level, name_hi, name_en, parent FROM places WHERE parent IS NULL ORDER BY code")
                .fetch_all(pool)
                .await?;
            places(rows)
        })
    }

    /// `code` and its ancestors, the top first.
    pub async fn lineage(&self, code: &str) -> Result<Vec<Place>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<PlaceRow> = sqlx::query_as(
                "SELECT p.code, p.level, p.name_hi, p.name_en, p.parent FROM place_ancestors a JOIN places p ON p.code = a.ancestor
                 WHERE a.code = $1 ORDER BY a.depth DESC",
            )
            .bind(code)
            .fetch_all(pool)
            .await?;
            places(rows)
        })
    }

    /// Villages, wards, gram panchayats, blocks and towns within `area` whose Hindi or English
    /// name starts with `name` (any case), fewest words first: a place typed by its name.
    pub async fn places_named(
        &self,
        area: &str,
        name: &str,
        limit: i64,
    ) -> Result<Vec<Place>, StorageError> {
        let escaped: String = name
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let pattern = format!("{}%", escaped.to_lowercase());
        on_pool!(self, |pool| {
            let rows: Vec<PlaceRow> = sqlx::query_as(
                "SELECT p.code, p.level, p.name_hi, p.name_en, p.parent FROM places p
                 JOIN place_ancestors a ON a.code = p.code
                 WHERE a.ancestor = $1
                   AND p.level IN ('village', 'ward', 'gram_panchayat', 'block', 'urban_body')
                   AND (lower(p.name_en) LIKE $2 ESCAPE '\\' OR p.name_hi LIKE $2 ESCAPE '\\')
                 ORDER BY length(p.name_en), p.code LIMIT $3",
            )
            .bind(area)
            .bind(&pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            places(rows)
        })
    }

    pub async fn places_at_levels(
        &self,
        area: &str,
        levels: &[&str],
    ) -> Result<Vec<Place>, StorageError> {
        on_pool!(self, |pool| {
            let sql = format!(
                "SELECT p.code, p.level, p.name_hi, p.name_en, p.parent FROM places p JOIN place_ancestors a ON a.code = p.code
                 WHERE a.ancestor = $1 AND p.level IN ({}) ORDER BY p.code",
                placeholders(2, levels.len())
            );
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(area);
            for l in levels {
                q = q.bind(*l);
            }
            let rows: Vec<PlaceRow> = q.fetch_all(pool).await?;
            places(rows)
        })
    }
}

/// The state, district and block (or urban body) of a place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceLine {
    pub state: String,
    pub district: String,
    pub block: String,
}

/// A place and its ancestors, with their levels.
const LINEAGE_LEVELS: &str = "WITH RECURSIVE up(code, level, parent) AS (
        SELECT code, level, parent FROM places WHERE code = $1
        UNION ALL SELECT p.code, p.level, p.parent FROM places p JOIN up ON p.code = up.parent)
     SELECT code, level FROM up";

impl PlaceLine {
    /// From a place's lineage (`LINEAGE_LEVELS`); a level the place is above stays empty.
    fn of(ancestors: Vec<(String, String)>) -> Self {
        let mut line = PlaceLine::default();
        for (code, level) in ancestors {
            match parse_level(&level) {
                Some(Level::District) => line.district = code,
                Some(Level::State) => line.state = code,
                Some(Level::Block | Level::UrbanBody) => line.block = code,
                _ => {}
            }
        }
        line
    }
}

impl Db {
    /// The state, district and block (or urban body) a place lies in, itself included; a
    /// level the place is above is empty.
    pub async fn place_line(&self, place: &str) -> Result<PlaceLine, StorageError> {
        let ancestors: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(LINEAGE_LEVELS)
                .bind(place)
                .fetch_all(pool)
                .await?
        });
        Ok(PlaceLine::of(ancestors))
    }
}

impl Tx {
    /// Stores places, parents first, and rebuilds the closure of the hierarchy; says whether
    /// a place that was already stored moved to another parent.
    pub async fn upsert_places(&mut self, places: &[Place]) -> Result<bool, StorageError> {
        in_tx!(self, |c| {
            // Parents before children, so the foreign key holds at every insert.
            let mut ordered: Vec<&Place> = places.iter().collect();
            ordered.sort_by_key(|p| p.level);
            let mut moved = false;
            for p in &ordered {
                let before: Option<Option<String>> =
                    sqlx::query_scalar("SELECT parent FROM places WHERE code = $1")
                        .bind(p.code.as_str())
                        .fetch_optional(&mut *c)
                        .await?;
                moved |=
                    before.is_some_and(|b| b.as_deref() != p.parent.as_ref().map(|c| c.as_str()));
                sqlx::query(
                    "INSERT INTO places(code, level, name_hi, name_en, parent) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT(code) DO UPDATE SET level = excluded.level, name_hi = excluded.name_hi,
                        name_en = excluded.name_en, parent = excluded.parent",
                )
                .bind(p.code.as_str())
                .bind(level_text(p.level))
                .bind(&p.name_hi)
                .bind(&p.name_en)
                .bind(p.parent.as_ref().map(|c| c.as_str()))
                .execute(&mut *c)
                .await?;
            }
            // The closure of the hierarchy, rebuilt whole (places change rarely).
            sqlx::query("DELETE FROM place_ancestors")
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO place_ancestors(code, ancestor, depth)
                 WITH RECURSIVE up(code, ancestor, depth) AS (
                    SELECT code, code, 0 FROM places
                    UNION ALL SELECT up.code, p.parent, up.depth + 1 FROM up JOIN places p ON p.code = up.ancestor
                    WHERE p.parent IS NOT NULL)
                 SELECT code, ancestor, depth FROM up",
            )
            .execute(&mut *c)
            .await?;
            Ok(moved)
        })
    }

    /// The state and district codes above `unit` ("" for one it lies under none of).
    pub async fn state_and_district(
        &mut self,
        unit: &str,
    ) -> Result<(String, String), StorageError> {
        let line = self.place_line(unit).await?;
        Ok((line.state, line.district))
    }

    /// A place's name in `lang`, if the place is known.
    pub async fn place_name(
        &mut self,
        code: &str,
        lang: panjiyan_core::messages::Lang,
    ) -> Result<Option<String>, StorageError> {
        let names: Option<(String, String)> = in_tx!(self, |c| {
            sqlx::query_as("SELECT name_hi, name_en FROM places WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut *c)
                .await?
        });
        Ok(names.map(|(hi, en)| match lang {
            panjiyan_core::messages::Lang::Hi => hi,
            panjiyan_core::messages::Lang::En => en,
        }))
    }

    /// The state, district and block (or urban body) a place lies in (`PlaceLine`), inside
    /// the transaction.
    pub async fn place_line(&mut self, place: &str) -> Result<PlaceLine, StorageError> {
        let ancestors: Vec<(String, String)> = in_tx!(self, |c| {
            sqlx::query_as(LINEAGE_LEVELS)
                .bind(place)
                .fetch_all(&mut *c)
                .await?
        });
        Ok(PlaceLine::of(ancestors))
    }
}
