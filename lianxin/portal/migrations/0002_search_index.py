"""Full-text index over Article.search_text (jieba-segmented, words separated by spaces).

SQLite: an FTS5 table keyed by the article id, kept in step by triggers.
PostgreSQL: a tsvector column ('simple' configuration) with a GIN index, kept in step by a trigger.
Either way the index follows every insert, update and delete, including bulk ones.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS portal_article_fts USING fts5(search_text, tokenize='unicode61')",
    """CREATE TRIGGER IF NOT EXISTS portal_article_fts_ai AFTER INSERT ON portal_article BEGIN
         INSERT INTO portal_article_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS portal_article_fts_au AFTER UPDATE OF search_text ON portal_article BEGIN
         DELETE FROM portal_article_fts WHERE rowid = old.id;
         INSERT INTO portal_article_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS portal_article_fts_ad AFTER DELETE ON portal_article BEGIN
         DELETE FROM portal_article_fts WHERE rowid = old.id;
       END""",
    "INSERT INTO portal_article_fts(rowid, search_text) SELECT id, search_text FROM portal_article",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS portal_article_fts_ai",
    "DROP TRIGGER IF EXISTS portal_article_fts_au",
    "DROP TRIGGER IF EXISTS portal_article_fts_ad",
    "DROP TABLE IF EXISTS portal_article_fts",
]
PG_UP = [
    "ALTER TABLE portal_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    """CREATE OR REPLACE FUNCTION portal_article_search_vector() RETURNS trigger AS $$
       BEGIN
         NEW.search_vector := to_tsvector('simple', coalesce(NEW.search_text, ''));
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER portal_article_search_vector_tg BEFORE INSERT OR UPDATE OF search_text ON portal_article
       FOR EACH ROW EXECUTE FUNCTION portal_article_search_vector()""",
    "UPDATE portal_article SET search_vector = to_tsvector('simple', coalesce(search_text, ''))",
    "CREATE INDEX IF NOT EXISTS portal_article_search_gin ON portal_article USING GIN (search_vector)",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS portal_article_search_vector_tg ON portal_article",
    "DROP FUNCTION IF EXISTS portal_article_search_vector()",
    "DROP INDEX IF EXISTS portal_article_search_gin",
    "ALTER TABLE portal_article DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
