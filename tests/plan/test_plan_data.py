"""The served plan equals Verksamhetsplan 2024-2025, Bilaga 1-3, on both databases.

The expected figures are typed here from the plan itself, independent of seeds/, so a wrong
seed file fails this test.
"""

from fastapi.testclient import TestClient

from tests.conftest import Person

AKS = {
    "ale": ("Ale", "1440"),
    "alingsas": ("Alingsås", "1489"),
    "harryda": ("Härryda", "1401"),
    "kungalv": ("Kungälv", "1482"),
    "lerum": ("Lerum", "1441"),
    "lilla-edet": ("Lilla Edet", "1462"),
    "molndal": ("Mölndal", "1481"),
    "partille": ("Partille", "1402"),
    "stenungsund": ("Stenungsund", "1415"),
    "tjorn": ("Tjörn", "1419"),
    "ockero": ("Öckerö", "1407"),
}
YEARS = [2023, 2024, 2025, 2026]
# Bilaga 1, Dörrknackningssamtalsmål per AK och år
CONVERSATION_GOALS = {
    "ale": [286, 714, 1427, 2854],
    "alingsas": [283, 706, 1412, 2824],
    "harryda": [621, 1553, 3105, 6209],
    "kungalv": [268, 669, 1337, 2673],
    "lerum": [81, 201, 401, 801],
    "lilla-edet": [134, 333, 666, 1331],
    "molndal": [224, 560, 1120, 2239],
    "partille": [141, 352, 703, 1406],
    "stenungsund": [246, 615, 1229, 2457],
    "tjorn": [241, 603, 1205, 2409],
    "ockero": [149, 371, 742, 1484],
}
CONVERSATION_TOTALS = [2674, 6677, 13347, 26687]
# Bilaga 2, Medlemsvärvarmål, nettoökning, per AK och år
MEMBER_GOALS = {
    "ale": [9, 13, 22, 43],
    "alingsas": [3, 5, 7, 15],
    "harryda": [5, 7, 11, 22],
    "kungalv": [23, 34, 57, 113],
    "lerum": [8, 11, 18, 37],
    "lilla-edet": [2, 1, 3, 5],
    "molndal": [6, 9, 15, 30],
    "partille": [16, 24, 40, 80],
    "stenungsund": [13, 19, 32, 64],
    "tjorn": [13, 19, 31, 62],
    "ockero": [15, 22, 37, 73],
}
MEMBER_TOTALS = [113, 164, 273, 544]
# Bilaga 3, with the official 2022 codes
PRIORITISED_CODES = {
    "ale": ["14400101", "14400103", "14400105", "14400519", "14400520", "14400516"],
    "alingsas": [
        "14890101",
        "14890102",
        "14890109",
        "14890110",
        "14890116",
        "14890117",
        "14890122",
    ],
    "harryda": [
        "14010202",
        "14010203",
        "14010302",
        "14010306",
        "14010309",
        "14010401",
        "14010402",
        "14010403",
        "14010404",
    ],
    "kungalv": ["14820101", "14820102", "14820107", "14820108", "14820702"],
    "lerum": ["14410106", "14410322", "14410424"],
    "lilla-edet": ["14620101", "14620102", "14620103", "14620305", "14620713"],
    "molndal": ["14810103", "14810115", "14810120", "14810202", "14810203", "14810408"],
    "partille": ["14020108", "14020109", "14020110", "14020111", "14020115", "14020119"],
    "stenungsund": ["14150202", "14150203", "14150204", "14150401", "14150501"],
    "tjorn": ["14190101", "14190103", "14190204", "14190501"],
    "ockero": ["14070101", "14070106", "14070112"],
}


def test_the_eleven_aks_are_served_with_their_kommun_codes(client: TestClient, staff: Person):
    response = client.get("/api/aks", headers=staff.headers)
    assert response.status_code == 200
    served = {a["slug"]: (a["name"], a["kommun_code"]) for a in response.json()}
    assert served == AKS


def test_the_59_prioritised_districts_have_their_ak_and_code(client: TestClient, staff: Person):
    everything = client.get("/api/districts", headers=staff.headers).json()
    assert len(everything) == 59
    assert all(d["prioritised"] for d in everything)
    for slug, codes in PRIORITISED_CODES.items():
        response = client.get("/api/districts", params={"ak": slug}, headers=staff.headers)
        assert response.status_code == 200
        districts = response.json()
        assert sorted(d["code"] for d in districts) == sorted(codes)
        assert {d["ak"] for d in districts} == {slug}
        assert all(d["code"].startswith(AKS[slug][1]) for d in districts)


def test_districts_carry_the_plan_name_and_the_official_name(client: TestClient, staff: Person):
    districts = client.get("/api/districts", params={"ak": "harryda"}, headers=staff.headers)
    by_code = {d["code"]: d for d in districts.json()}
    # The plan writes "Båtmanstorpet"; Valmyndigheten's official name is "Båtsmanstorpet".
    assert by_code["14010309"]["name"] == "Båtsmanstorpet m.fl."
    assert by_code["14010309"]["plan_name"] == "Båtmanstorpet m.fl."


def test_every_goal_of_bilaga_1_and_2_is_served(client: TestClient, staff: Person):
    for i, year in enumerate(YEARS):
        response = client.get("/api/goals", params={"year": year}, headers=staff.headers)
        assert response.status_code == 200
        goals = {g["ak"]: g for g in response.json()}
        assert set(goals) == set(AKS)
        for slug in AKS:
            assert goals[slug]["year"] == year
            assert goals[slug]["conversations"] == CONVERSATION_GOALS[slug][i]
            assert goals[slug]["members"] == MEMBER_GOALS[slug][i]
        assert sum(g["conversations"] for g in goals.values()) == CONVERSATION_TOTALS[i]
        assert sum(g["members"] for g in goals.values()) == MEMBER_TOTALS[i]
