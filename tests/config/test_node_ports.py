"""A node's admin API listens 1000 above its viewer port, so that port must exist too."""

from __future__ import annotations

import pytest

from edge.config import ConfigError, parse_config
from tests.config.test_eviction_setting import default_data


def test_viewer_port_leaving_no_room_for_the_admin_port_is_refused() -> None:
    data = default_data()
    data["pops"][0]["port"] = 65000
    with pytest.raises(ConfigError) as err:
        parse_config(data, "world.toml")
    assert str(err.value).startswith("world.toml: pops[0].port: expected a port up to 64535")
