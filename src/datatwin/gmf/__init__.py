"""metasyn's Generative Metadata Format (GMF) <-> the datatwin model file.

Pure dict transformations, like :mod:`datatwin.modelfile`: this layer knows the two
JSON layouts and the names and parameters of both sides' distributions, not the
distributions themselves. The result of an import is checked by the models
(``datatwin.model.Model.from_dict``) like any model file.

Import reads what metasyn 2.x (``gmf_version`` 1.1: ``n_rows``/``vars`` at the top) and
3.x (``gmf_version`` 2.x: one entry in ``tables``) write. Export writes GMF 2.1 (metasyn
3.x) or 1.1 (metasyn 2.x). Where a distribution has no equivalent on the other side,
nothing is approximated silently: the default (``strict=True``) refuses with a
``ModelFileError`` naming every such column; ``strict=False`` skips them on import
(listed under ``skipped``) and writes named approximations on export (listed in the
returned notes). See ``docs/model-file.md#metasyn-gmf`` for the mapping table.
"""

from datatwin.gmf.read import gmf_to_model_dict, is_gmf, read_gmf_dict, source_path
from datatwin.gmf.write import model_dict_to_gmf, write_gmf

__all__ = ["gmf_to_model_dict", "is_gmf", "model_dict_to_gmf", "read_gmf_dict", "source_path", "write_gmf"]
