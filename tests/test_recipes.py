"""Named recipes: every config builds a method, and the names the lessons use exist."""
import pytest

from advdis_lessons import checkpoints, recipes


@pytest.mark.parametrize("name", sorted(recipes.CONFIGS))
def test_every_recipe_builds(name):
    cfg = recipes.get_config(name)
    assert set(cfg["steps"]) == {"smoke", "lesson", "full"}
    assert cfg["steps"]["smoke"] <= 50
    method = checkpoints.make_method(cfg, device="cpu")
    assert method.name == cfg["method"]


def test_lesson_sweeps_exist():
    for name in ("beta_vae_b1", "beta_vae_b4", "beta_vae_b16", "annealed_vae", "factor_vae_g35", "factor_vae_paper"):
        assert name in recipes.CONFIGS
    assert recipes.get_config("factor_vae_paper")["params"]["d_paper"] is True


def test_get_config_is_a_copy_and_names_unknown():
    cfg = recipes.get_config("vae")
    cfg["params"]["lr"] = 1.0
    assert recipes.get_config("vae")["params"]["lr"] != 1.0
    with pytest.raises(ValueError, match="unknown config 'nope'; known: .*vae"):
        recipes.get_config("nope")
