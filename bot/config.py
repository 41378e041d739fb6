"""One typed settings object for the whole app, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """`/data` when it exists (a Space with persistent storage), else `./data` in the project."""
    space = Path("/data")
    return space if space.is_dir() else PROJECT_ROOT / "data"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Paths, providers, budgets and URLs; every field has a default that runs fully offline."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias=_env("COACH_DATA_DIR"),
        description="Where the index, database and checkpoints live.",
    )
    knowledge_dir: Path = Field(
        default=PROJECT_ROOT / "knowledge",
        validation_alias=_env("COACH_KNOWLEDGE_DIR"),
        description="Guides, question bank, rubric.yaml, drill scenarios (drills/) and rater sets (rater_sets/).",
    )
    prompts_dir: Path = Field(
        default=PROJECT_ROOT / "prompts",
        validation_alias=_env("COACH_PROMPTS_DIR"),
        description="Prompt templates, loaded by name.",
    )
    collection: str = Field(
        default="guides", validation_alias=_env("COACH_COLLECTION"), description="Chroma collection name."
    )
    chroma_host: str | None = Field(
        default=None,
        validation_alias=_env("CHROMA_HOST"),
        description="Chroma server host; unset means the embedded PersistentClient.",
    )
    chroma_port: int = Field(default=8000, validation_alias=_env("CHROMA_PORT"), description="Chroma server port.")
    chroma_ssl: bool = Field(default=False, validation_alias=_env("CHROMA_SSL"), description="Use https for Chroma.")
    chunk_max_tokens: int = Field(
        default=320, validation_alias=_env("COACH_CHUNK_TOKENS"), description="Upper bound of a guide chunk, in tokens."
    )
    hybrid_retrieval: bool = Field(
        default=True,
        validation_alias=_env("COACH_HYBRID"),
        description="Fuse BM25 lexical ranking with vector ranking (reciprocal rank fusion).",
    )
    llm: str | None = Field(
        default=None,
        validation_alias=_env("COACH_LLM"),
        description='Chat model as "provider:model", e.g. "openai:gpt-4o-mini"; unset means offline.',
    )
    llm_base_url: str | None = Field(
        default=None,
        validation_alias=_env("COACH_LLM_BASE_URL"),
        description="Base URL of an OpenAI-compatible server (llama.cpp, vLLM) for provider openai.",
    )
    llm_timeout_s: float = Field(default=30.0, validation_alias=_env("COACH_LLM_TIMEOUT"), description="Per call.")
    input_token_budget: int = Field(
        default=3000, validation_alias=_env("COACH_TOKEN_BUDGET"), description="Max input tokens per LLM call."
    )
    answer_token_limit: int = Field(
        default=1500,
        validation_alias=_env("COACH_ANSWER_TOKENS"),
        description="Longer answers are truncated to this many tokens, with a notice.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=_env("DATABASE_URL"),
        description="SQLAlchemy URL; unset means SQLite in the data folder.",
    )
    server_name: str = Field(
        default="127.0.0.1", validation_alias=_env("GRADIO_SERVER_NAME"), description="Bind address."
    )
    port: int = Field(default=7860, validation_alias=_env("PORT", "GRADIO_SERVER_PORT"), description="Bind port.")
    concurrency: int = Field(
        default=16,
        ge=1,
        validation_alias=_env("COACH_CONCURRENCY"),
        description="Requests the server runs at once (Gradio's queue); more wait in line. See bench/throughput.py.",
    )
    critic_processes: int | None = Field(
        default=None,
        ge=0,
        validation_alias=_env("COACH_CRITIC_PROCESSES"),
        description="Worker processes that score answers (the app's GIL holds one process to one core). "
        "Unset: one per core, none on a single core; 0: score in the app's process.",
    )
    forwarded_allow_ips: str = Field(
        default="",
        validation_alias=_env("FORWARDED_ALLOW_IPS"),
        description=(
            "Proxies whose X-Forwarded-For and X-Forwarded-Proto the server believes (comma-separated addresses or"
            " networks, e.g. 10.0.0.5,10.1.0.0/16); empty: none, a request's address is its own peer's."
        ),
    )
    checkpoint_retention_days: float = Field(
        default=30,
        ge=0,
        validation_alias=_env("CHECKPOINT_RETENTION_DAYS"),
        description=(
            "Days an ended interview keeps its LangGraph checkpoints; after that it reopens from its archived"
            " record (transcript, results, summary). 0 keeps checkpoints forever."
        ),
    )
    coach_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=_env("COACH_ALLOWLIST"),
        description="Hugging Face usernames or emails allowed to sign in as coaches (comma-separated); empty: none.",
    )

    @field_validator("coach_allowlist", mode="before")
    @classmethod
    def _split_allowlist(cls, value: object) -> object:
        """Accept `a, b,c` from the environment as well as a list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def guides_dir(self) -> Path:
        return self.knowledge_dir / "guides"

    @property
    def questions_dir(self) -> Path:
        return self.knowledge_dir / "questions"

    @property
    def rubric_path(self) -> Path:
        return self.knowledge_dir / "rubric.yaml"

    @property
    def calibration_dir(self) -> Path:
        return self.knowledge_dir / "calibration"

    @property
    def drill_scenarios_path(self) -> Path:
        return self.knowledge_dir / "drills" / "scenarios.yaml"

    @property
    def rater_sets_dir(self) -> Path:
        return self.knowledge_dir / "rater_sets"

    def ensure_data_dir(self) -> Path:
        """The data folder, created owner-only (0700) when missing: what is inside is its owner's alone."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.data_dir

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'coach.db'}"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def vectors_path(self) -> Path:
        """Vectors of the bank's questions and key points, saved so a restart need not embed them again."""
        return self.data_dir / "bank_vectors.npz"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear this cache after changing the environment)."""
    return Settings()
