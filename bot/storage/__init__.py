"""Storage: SQLAlchemy tables, the store, the migrations runner and the checkpointer factory."""
