"""
.npz fixtures for holoclip's npz reader and the scannet-pairs adapter test (test/correspondence-geometric.test.ts),
written by numpy itself (numpy.savez / savez_compressed; Debian's /usr/bin/python3 numpy, version printed below).
The pair list and intrinsics follow LoFTR's scannet_test_1500 files (test.npz "name" rows [room, seq, frame0,
frame1]; intrinsics.npz one 3x3 per sceneRRRR_SS), as probe3d's ScanNetPairsDataset reads them.

    /usr/bin/python3 tools/goldens/make_npz_fixtures.py
"""
import json
import os

import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "correspondence")
os.makedirs(out, exist_ok=True)

# Synthetic scene 0000_00: frame 0 paired with itself (identity pose) and with frame 1.
names = np.array([[0, 0, 0, 0], [0, 0, 0, 1]], dtype=np.int64)
np.savez(os.path.join(out, "scannet-test.npz"), name=names)
np.savez(os.path.join(out, "scannet-test-identity.npz"), name=names[:1])
K = np.array([[50.0, 0.0, 32.0], [0.0, 50.0, 24.0], [0.0, 0.0, 1.0]])
np.savez(os.path.join(out, "scannet-intrinsics.npz"), scene0000_00=K)

# A compressed archive with several dtypes and shapes.
arrays = {
    "f32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
    "i32": np.array([-1, 2, -3], dtype=np.int32),
    "u8": np.arange(5, dtype=np.uint8),
}
np.savez_compressed(os.path.join(out, "compressed.npz"), **arrays)
with open(os.path.join(out, "npz-expected.json"), "w") as f:
    json.dump(
        {
            "numpy": np.__version__,
            "compressed": {k: {"shape": list(v.shape), "data": v.ravel().tolist()} for k, v in arrays.items()},
            "scannet_names": names.tolist(),
            "scannet_K": K.ravel().tolist(),
        },
        f,
        indent=1,
    )
print("numpy", np.__version__, "->", os.path.abspath(out))
