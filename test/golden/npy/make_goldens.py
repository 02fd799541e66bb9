# Regenerate the .npy goldens read by test/store-npy.test.ts:  /usr/bin/python3 make_goldens.py
import numpy as np

np.save("f32_2x3.npy", np.array([[1.5, -2.0, 3.25], [0.0, 1e-8, -7.0]], dtype="<f4"))
np.save("f64_3.npy", np.array([3.141592653589793, -0.5, 1e300], dtype="<f8"))
np.save("i32_2x2.npy", np.array([[1, -2], [2147483647, -2147483648]], dtype="<i4"))
np.save("i64_4.npy", np.array([0, -1, 9007199254740993, -9223372036854775808], dtype="<i8"))
np.save("u8_2x2x2.npy", np.arange(8, dtype="u1").reshape(2, 2, 2) * 31)
np.save("f32_0x5.npy", np.zeros((0, 5), dtype="<f4"))
np.save("f32_fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
np.save("f32_bigendian_3.npy", np.array([1, 2, 3], dtype=">f4"))
np.save("i16_2.npy", np.array([1, 2], dtype="<i2"))
