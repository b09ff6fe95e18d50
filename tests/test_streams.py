"""journeysim.engine.streams: keyed uniforms, run components and customer streams."""

from __future__ import annotations

import random

import pytest

from journeysim.engine.streams import (
    CHURN_SALT,
    COMPONENTS,
    RunStreams,
    keyed_uniform,
    seed_sequence,
)


def draws(rng, n=5):
    return [rng.random() for _ in range(n)]


# --- keyed_uniform ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", [0, 1, 12345, 2**63 + 17, 2**64 - 1])
def test_keyed_uniform_is_pure_and_in_unit_interval(key):
    for salt in (0, 1, 7):
        for count in (0, 1, 5):
            u = keyed_uniform(key, salt, count)
            assert 0.0 <= u < 1.0
            assert keyed_uniform(key, salt, count) == u


def test_keyed_uniform_salts_and_counts_give_other_numbers():
    key = 987654321
    by_salt = {keyed_uniform(key, salt, 0) for salt in range(50)}
    by_count = {keyed_uniform(key, 3, count) for count in range(50)}
    by_key = {keyed_uniform(key + i, 3, 0) for i in range(50)}
    assert len(by_salt) == len(by_count) == len(by_key) == 50


def test_keyed_uniform_salt_and_count_do_not_alias():
    # (salt, count) pairs are distinct places: salt 1 count 0 is not salt 0 count 1
    grid = {keyed_uniform(2024, salt, count) for salt in range(20) for count in range(20)}
    assert len(grid) == 400


def test_keyed_uniform_default_count_is_zero():
    assert keyed_uniform(42, 5) == keyed_uniform(42, 5, 0)


def test_keyed_uniform_is_roughly_uniform():
    values = [keyed_uniform(key, 11, 0) for key in range(4000)]
    mean = sum(values) / len(values)
    # sd of a uniform mean: sqrt(1/12 / n) ~ 0.0046; 5 SE
    assert abs(mean - 0.5) < 5 * (1 / 12 / len(values)) ** 0.5
    below = sum(v < 0.25 for v in values) / len(values)
    assert abs(below - 0.25) < 5 * (0.25 * 0.75 / len(values)) ** 0.5


# --- COMPONENTS ------------------------------------------------------------------------------

#: The indices that shipped: append-only, a changed index reshuffles every run's draws.
PINNED = {
    "arrivals": 0,
    "attributes": 1,
    "strategy": 2,
    "referrals": 3,
    "periods": 4,
    "visits": 5,
    "suppression": 6,
    "crm": 7,
    "cem": 8,
    "loyalty": 9,
}


def test_component_indices_are_unique():
    assert len(set(COMPONENTS.values())) == len(COMPONENTS)
    assert all(isinstance(i, int) and i >= 0 for i in COMPONENTS.values())


def test_shipped_component_indices_are_pinned():
    for name, index in PINNED.items():
        assert COMPONENTS[name] == index, name


def test_components_are_appended_after_the_pinned_ones():
    names = list(COMPONENTS)
    assert names[: len(PINNED)] == list(PINNED)
    assert all(COMPONENTS[name] >= len(PINNED) for name in names[len(PINNED) :])


# --- seed_sequence and RunStreams ------------------------------------------------------------


def test_seed_sequence_rejects_negative_seeds():
    with pytest.raises(ValueError, match="^seed must be a non-negative integer$"):
        seed_sequence(-1)
    seed_sequence(0)  # zero is fine


def test_component_streams_do_not_depend_on_creation_order():
    first = RunStreams(seed_sequence(3))
    crm_alone = draws(first.component("crm"))
    second = RunStreams(seed_sequence(3))
    second.component("cem").random()  # created and used before crm
    second.component("arrivals").random()
    assert draws(second.component("crm")) == crm_alone


def test_component_is_cached_per_run():
    streams = RunStreams(seed_sequence(3))
    assert streams.component("crm") is streams.component("crm")


def test_components_differ_from_each_other():
    streams = RunStreams(seed_sequence(3))
    firsts = {tuple(draws(streams.component(name), 3)) for name in COMPONENTS}
    assert len(firsts) == len(COMPONENTS)


def test_same_seed_and_identity_same_streams():
    a = RunStreams(seed_sequence(5, (2, 1)))
    b = RunStreams(seed_sequence(5, (2, 1)))
    assert draws(a.component("arrivals")) == draws(b.component("arrivals"))
    assert a.run_key() == b.run_key()


def test_identity_changes_the_streams():
    base = draws(RunStreams(seed_sequence(5)).component("arrivals"))
    for identity in [(0,), (1,), (0, 0), (2, 1)]:
        other = RunStreams(seed_sequence(5, identity))
        assert draws(other.component("arrivals")) != base, identity
    assert draws(RunStreams(seed_sequence(5, (1, 2))).component("arrivals")) != draws(
        RunStreams(seed_sequence(5, (2, 1))).component("arrivals")
    )


def test_seed_changes_the_streams():
    a = RunStreams(seed_sequence(0))
    b = RunStreams(seed_sequence(1))
    assert draws(a.component("attributes")) != draws(b.component("attributes"))
    assert a.run_key() != b.run_key()


def test_run_key_is_64_bit():
    key = RunStreams(seed_sequence(9, (4,))).run_key()
    assert 0 <= key < 2**64


# --- customer streams ------------------------------------------------------------------------


def test_journey_streams_are_a_pure_function_of_key_and_journey():
    first = draws(RunStreams.journey_stream(123456789, 3))
    # made later, after other journeys' streams drew any amount: the same numbers
    for other in range(5):
        draws(RunStreams.journey_stream(123456789, other), n=other * 7)
    assert draws(RunStreams.journey_stream(123456789, 3)) == first


@pytest.mark.parametrize("seed", [0, 1, 2**63, 2**64 - 1])
def test_journeys_of_a_customer_get_distinct_streams(seed):
    sequences = {tuple(draws(RunStreams.journey_stream(seed, k))) for k in range(20)}
    assert len(sequences) == 20
    # distinct from the need-rate seed's generator too
    assert tuple(draws(random.Random(seed | 3 << 64))) not in sequences


def test_customers_with_other_seeds_get_other_streams():
    assert draws(RunStreams.journey_stream(10, 0)) != draws(RunStreams.journey_stream(11, 0))
    assert keyed_uniform(10, CHURN_SALT, 0) != keyed_uniform(11, CHURN_SALT, 0)
