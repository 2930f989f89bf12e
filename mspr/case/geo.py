"""TEMPORARY stub, replaced by the geo module of branch ids."""
import pandas as pd
_C = (("69", "69001", "Lyon", 3), ("69", "69003", "Lyon", 5), ("69", "69100", "Villeurbanne", 8),
      ("42", "42000", "Saint-Étienne", 4), ("38", "38000", "Grenoble", 4), ("01", "01000", "Bourg-en-Bresse", 2),
      ("74", "74000", "Annecy", 2), ("44", "44000", "Nantes", 6), ("35", "35000", "Rennes", 5),
      ("59", "59000", "Lille", 6), ("31", "31000", "Toulouse", 6))
REGIONS = {"Auvergne-Rhône-Alpes": ["69", "42", "38", "01", "74"]}
def communes(departements=None, region=None):
    deps = departements or REGIONS.get(region) or [c[0] for c in _C]
    return pd.DataFrame([c for c in _C if c[0] in deps], columns=["departement", "code_postal", "commune", "poids"])
