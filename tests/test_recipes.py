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


def test_variant_changes_levers_in_the_right_place():
    cfg = recipes.variant("factor_vae_g35:precision=bf16,lr=1e-3,batch_size=32,width=standard,d_paper=true,seed=3")
    assert cfg["precision"] == "bf16" and cfg["batch_size"] == 32 and cfg["seed"] == 3
    assert cfg["model"]["width"] == "standard"
    assert cfg["params"]["lr"] == pytest.approx(1e-3) and cfg["params"]["d_paper"] is True
    assert cfg["params"]["gamma"] == recipes.get_config("factor_vae_g35")["params"]["gamma"]
    assert recipes.variant("beta_vae_b4") == recipes.get_config("beta_vae_b4")
    assert recipes.variant("beta_vae_b4", seed=7) == {**recipes.get_config("beta_vae_b4"), "seed": 7}
    checkpoints.make_method(cfg, device="cpu")  # still a buildable config
    masked = recipes.variant("masking_shape:z_dim=5,masked_dims=2+3+4,lr=1e+3")
    assert masked["params"]["masked_dims"] == [2, 3, 4] and masked["model"]["z_dim"] == 5
    assert masked["params"]["lr"] == pytest.approx(1000.0)


@pytest.mark.parametrize("spec, message", [
    ("nope:lr=1", "unknown config 'nope'"),
    ("beta_vae_b4:lr", "lever 'lr' in 'beta_vae_b4:lr' is not key=value"),
    ("beta_vae_b4:precision=fp16", "precision 'fp16' .* is not one of auto, fp32, bf16"),
    ("masking_shape:masked_dims=2", "masked_dims='2' .* must be a list joined by '\\+', e.g. masked_dims=2\\+3\\+4"),
    ("beta_vae_b4:lr=1+2", "lever lr='1\\+2' .* must be a number"),
])
def test_variant_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        recipes.variant(spec)
