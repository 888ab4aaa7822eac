"""The model card's sentence on sampling defaults says what model_index.json makes the engine run."""
from firstframe_train.export import DEFAULTS
from firstframe_train.model_card import sampling_defaults


def test_sampling_defaults_name_each_stage_as_export_writes_them():
    assert sampling_defaults(DEFAULTS) == (
        "Sampling defaults (`model_index.json`): the four first-frame candidates take 15 DPM-Solver++ 2M "
        "steps at text guidance 3.0; the video takes 15 DDIM steps with eta 0.5 at text guidance 5.0 and "
        "image guidance 1.5.")


def test_an_index_without_per_stage_fields_gets_the_shared_ones():
    # an older model_index.json: no image steps, first-frame guidance, video scheduler or eta
    old = {"scheduler": "dpmpp_2m", "num_inference_steps": 15, "guidance_scale": 5.0,
           "image_guidance_scale": 1.5, "guidance_rescale": 0.0}
    assert sampling_defaults(old).endswith(
        "candidates take 15 DPM-Solver++ 2M steps at text guidance 5.0; the video takes 15 DPM-Solver++ 2M "
        "steps at text guidance 5.0 and image guidance 1.5.")


def test_eta_is_named_only_for_ddim():
    plain = dict(DEFAULTS, video_scheduler="dpmpp_2m")
    assert "eta" not in sampling_defaults(plain)
    assert "with eta" not in sampling_defaults(dict(DEFAULTS, video_eta=0.0))
