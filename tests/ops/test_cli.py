"""The `knacka` command's words and the address its invite links point to."""

from typer.testing import CliRunner

from api.cli import app, served_url


def test_a_server_on_another_port_makes_links_to_that_port():
    assert served_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"


def test_a_server_on_every_interface_makes_links_to_the_machines_network_address():
    url = served_url("0.0.0.0", 8001)
    assert url.startswith("http://") and url.endswith(":8001")
    assert "0.0.0.0" not in url


def test_user_add_help_offers_only_the_roles_it_accepts():
    result = CliRunner().invoke(app, ["user", "add", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "staff|organiser" in result.output
    assert "volunteer" not in result.output
    refused = CliRunner().invoke(
        app, ["user", "add", "--email", "a@b.se", "--password", "x" * 12, "--role", "volunteer"]
    )
    assert refused.exit_code != 0
