"""`python -m bot eval --fit`: the critic refits from labelled data (coach overrides included) and then grades."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import yaml
from scipy.stats import spearmanr

from bot.coaching import accounts, assignments, reviews
from bot.coaching.attempts import start_attempt
from bot.config import PROJECT_ROOT, Settings
from bot.critic.calibration import load_labelled, target_for
from bot.critic.fitted import load_fit
from bot.critic.fitting import coach_overrides, fit
from bot.critic.offline import critique_target
from bot.critic.support import load_support
from bot.interview.service import InterviewService
from tests.indexes import knowledge_without_calibration


def test_refit_from_labelled_data_and_coach_overrides(tmp_path, data_dir):
    knowledge = tmp_path / "knowledge"
    knowledge_without_calibration(knowledge)
    calibration = knowledge / "calibration"
    (calibration / "pairs").mkdir(parents=True)
    pairs = (PROJECT_ROOT / "knowledge/calibration/pairs/labelled.jsonl").read_text().splitlines()
    (calibration / "pairs" / "labelled.jsonl").write_text("\n".join(pairs[:600]) + "\n")
    train = [a for a in yaml.safe_load((PROJECT_ROOT / "knowledge/calibration/feature.yaml").read_text())]
    (calibration / "feature.yaml").write_text(yaml.safe_dump(train))
    settings = Settings(knowledge_dir=knowledge, data_dir=data_dir)

    # a coach grades one answer: it joins the fitting data for the dimension graded
    service = InterviewService(settings)
    coach = accounts.add_coach(service.store, "lead@example.com", "a long enough password")
    due = datetime.now(UTC) + timedelta(days=7)
    assignment = assignments.create_assignment(service.store, coach, "Fit", "feature", None, [], 1, 2, None, due, [])
    start = start_attempt(service, assignment.code, "Ada")
    answered = service.submit(start.session_id, train[0]["answer"])
    turn = service.store.turns(start.session_id)[0]
    reviews.review(service.store, coach, turn.id, dimension="evaluation", score=4)
    [override] = coach_overrides(settings)
    assert override.split == "coach" and override.grade == {"evaluation": 4.0} and override.role == "feature"
    assert answered.critique is not None

    items = load_labelled(calibration)
    weights = fit(settings, [*items, override])
    saved = json.loads((knowledge / "critic_model.json").read_text())
    assert saved["weights"] == weights and set(saved["style"]) == set(weights["bank"])
    assert "600 labelled pairs" in json.loads((knowledge / "support_model.json").read_text())["fitted_on"]
    try:
        fitted = [i for i in items if i.split == "train"]
        ours = [critique_target(target_for(settings, i), i.answer, settings, False).overall for i in fitted]
        # in-sample on 30 answers: the refit critic orders them much like the hand grades
        assert spearmanr(ours, [i.grade["overall"] for i in fitted])[0] > 0.6
        assert np.isfinite(ours).all()
    finally:
        load_fit.cache_clear()
        load_support.cache_clear()
