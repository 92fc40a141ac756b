"""Tensor reprs, character for character as PyTorch 2.x prints them.

The expected strings below were produced by real PyTorch (``repr`` of the same expression) and
are written out as literals, so these tests need no PyTorch.
"""
from __future__ import annotations

import pytest

import autogradviz as torch

EXPECTED = [
    ('scalar_float', 'torch.tensor(3.)',
     'tensor(3.)'),
    ('scalar_int', 'torch.tensor(3)',
     'tensor(3)'),
    ('scalar_negative', 'torch.tensor(-2.5)',
     'tensor(-2.5000)'),
    ('scalar_bool', 'torch.tensor(True)',
     'tensor(True)'),
    ('scalar_small', 'torch.tensor(1e-5)',
     'tensor(1.0000e-05)'),
    ('scalar_big', 'torch.tensor(123456789.)',
     'tensor(1.2346e+08)'),
    ('scalar_nan', "torch.tensor(float('nan'))",
     'tensor(nan)'),
    ('scalar_inf', "torch.tensor(float('-inf'))",
     'tensor(-inf)'),
    ('scalar_zero', 'torch.tensor(0.)',
     'tensor(0.)'),
    ('scalar_float64', 'torch.tensor(2.5, dtype=torch.float64)',
     'tensor(2.5000, dtype=torch.float64)'),
    ('scalar_precision', 'torch.tensor(1/3)',
     'tensor(0.3333)'),
    ('int_mode', 'torch.tensor([0., 4., 8., 12.])',
     'tensor([ 0.,  4.,  8., 12.])'),
    ('precision', 'torch.tensor([0.5, 1.])',
     'tensor([0.5000, 1.0000])'),
    ('sci_mode', 'torch.tensor([102.4, 1024., 0.1024])',
     'tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])'),
    ('int_mode_negative', 'torch.tensor([-1., 20., 300.])',
     'tensor([ -1.,  20., 300.])'),
    ('int_mode_sci', 'torch.tensor([1., 1e9])',
     'tensor([1.0000e+00, 1.0000e+09])'),
    ('int_mode_ratio', 'torch.tensor([1., 1001.])',
     'tensor([1.0000e+00, 1.0010e+03])'),
    ('precision_mixed_width', 'torch.tensor([3.14159, -2.71828, 1.41421, 100.5, -0.001, 42.])',
     (
        'tensor([ 3.1416e+00, -2.7183e+00,  1.4142e+00,  1.0050e+02, -1.0000e-03,\n'
        '         4.2000e+01])'
    )),
    ('sci_small', 'torch.tensor([1e-5, 1.])',
     'tensor([1.0000e-05, 1.0000e+00])'),
    ('not_sci_1e-4', 'torch.tensor([0.0001, 1.])',
     'tensor([1.0000e-04, 1.0000e+00])'),
    ('sci_large', 'torch.tensor([1e8, 1.])',
     'tensor([1.0000e+08, 1.0000e+00])'),
    ('sci_ratio', 'torch.tensor([0.1, 0.25, 1000.5])',
     'tensor([1.0000e-01, 2.5000e-01, 1.0005e+03])'),
    ('third', 'torch.arange(6.) / 3',
     'tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667])'),
    ('negative_zero', 'torch.tensor([-0., 1.])',
     'tensor([-0., 1.])'),
    ('all_zero', 'torch.zeros(3)',
     'tensor([0., 0., 0.])'),
    ('round_half', 'torch.tensor([0.12345, 0.99995])',
     'tensor([0.1235, 0.9999])'),
    ('big_ints_as_float', 'torch.tensor([12345678.])',
     'tensor([12345678.])'),
    ('int_tensor', 'torch.tensor([1, 2, 3])',
     'tensor([1, 2, 3])'),
    ('int_negative', 'torch.tensor([-1, 200000, 3])',
     'tensor([    -1, 200000,      3])'),
    ('int_2d', 'torch.tensor([[1, -2], [30, 4]])',
     (
        'tensor([[ 1, -2],\n'
        '        [30,  4]])'
    )),
    ('bool_tensor', 'torch.tensor([True, False])',
     'tensor([ True, False])'),
    ('bool_2d', 'torch.ones(2, 3, dtype=torch.bool)',
     (
        'tensor([[True, True, True],\n'
        '        [True, True, True]])'
    )),
    ('negative_floats', 'torch.tensor([-1.5, 2., -3.25])',
     'tensor([-1.5000,  2.0000, -3.2500])'),
    ('matrix', 'torch.tensor([[1., 2.], [3., 4.]])',
     (
        'tensor([[1., 2.],\n'
        '        [3., 4.]])'
    )),
    ('three_d', 'torch.arange(24.).view(2, 3, 4)',
     (
        'tensor([[[ 0.,  1.,  2.,  3.],\n'
        '         [ 4.,  5.,  6.,  7.],\n'
        '         [ 8.,  9., 10., 11.]],\n'
        '\n'
        '        [[12., 13., 14., 15.],\n'
        '         [16., 17., 18., 19.],\n'
        '         [20., 21., 22., 23.]]])'
    )),
    ('four_d', 'torch.arange(6.).view(1, 2, 3, 1)',
     (
        'tensor([[[[0.],\n'
        '          [1.],\n'
        '          [2.]],\n'
        '\n'
        '         [[3.],\n'
        '          [4.],\n'
        '          [5.]]]])'
    )),
    ('column', 'torch.arange(3.).view(3, 1)',
     (
        'tensor([[0.],\n'
        '        [1.],\n'
        '        [2.]])'
    )),
    ('nested_single', 'torch.tensor([[[1]]])',
     'tensor([[[1]]])'),
    ('eye', 'torch.eye(3)',
     (
        'tensor([[1., 0., 0.],\n'
        '        [0., 1., 0.],\n'
        '        [0., 0., 1.]])'
    )),
    ('matrix_decimals', 'torch.arange(12.).view(3, 4) / 7',
     (
        'tensor([[0.0000, 0.1429, 0.2857, 0.4286],\n'
        '        [0.5714, 0.7143, 0.8571, 1.0000],\n'
        '        [1.1429, 1.2857, 1.4286, 1.5714]])'
    )),
    ('summarized_1d', 'torch.arange(2000.)',
     (
        'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n'
        '        1.9990e+03])'
    )),
    ('summarized_int', 'torch.arange(2000)',
     'tensor([   0,    1,    2,  ..., 1997, 1998, 1999])'),
    ('summarized_2d', 'torch.arange(2000.).view(40, 50)',
     (
        'tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n'
        '         4.9000e+01],\n'
        '        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n'
        '         9.9000e+01],\n'
        '        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n'
        '         1.4900e+02],\n'
        '        ...,\n'
        '        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n'
        '         1.8990e+03],\n'
        '        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n'
        '         1.9490e+03],\n'
        '        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n'
        '         1.9990e+03]])'
    )),
    ('summarized_3d', 'torch.arange(1200.).view(2, 3, 200)',
     (
        'tensor([[[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9700e+02,\n'
        '          1.9800e+02, 1.9900e+02],\n'
        '         [2.0000e+02, 2.0100e+02, 2.0200e+02,  ..., 3.9700e+02,\n'
        '          3.9800e+02, 3.9900e+02],\n'
        '         [4.0000e+02, 4.0100e+02, 4.0200e+02,  ..., 5.9700e+02,\n'
        '          5.9800e+02, 5.9900e+02]],\n'
        '\n'
        '        [[6.0000e+02, 6.0100e+02, 6.0200e+02,  ..., 7.9700e+02,\n'
        '          7.9800e+02, 7.9900e+02],\n'
        '         [8.0000e+02, 8.0100e+02, 8.0200e+02,  ..., 9.9700e+02,\n'
        '          9.9800e+02, 9.9900e+02],\n'
        '         [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.1970e+03,\n'
        '          1.1980e+03, 1.1990e+03]]])'
    )),
    ('summarized_1001', 'torch.arange(1001.)',
     'tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])'),
    ('not_summarized_1000', 'torch.arange(1000).view(10, 100)',
     (
        'tensor([[  0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,\n'
        '          14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27,\n'
        '          28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,  41,\n'
        '          42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  52,  53,  54,  55,\n'
        '          56,  57,  58,  59,  60,  61,  62,  63,  64,  65,  66,  67,  68,  69,\n'
        '          70,  71,  72,  73,  74,  75,  76,  77,  78,  79,  80,  81,  82,  83,\n'
        '          84,  85,  86,  87,  88,  89,  90,  91,  92,  93,  94,  95,  96,  97,\n'
        '          98,  99],\n'
        '        [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113,\n'
        '         114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127,\n'
        '         128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141,\n'
        '         142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155,\n'
        '         156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169,\n'
        '         170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183,\n'
        '         184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197,\n'
        '         198, 199],\n'
        '        [200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213,\n'
        '         214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227,\n'
        '         228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241,\n'
        '         242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255,\n'
        '         256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269,\n'
        '         270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283,\n'
        '         284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297,\n'
        '         298, 299],\n'
        '        [300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313,\n'
        '         314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327,\n'
        '         328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341,\n'
        '         342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355,\n'
        '         356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369,\n'
        '         370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380, 381, 382, 383,\n'
        '         384, 385, 386, 387, 388, 389, 390, 391, 392, 393, 394, 395, 396, 397,\n'
        '         398, 399],\n'
        '        [400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413,\n'
        '         414, 415, 416, 417, 418, 419, 420, 421, 422, 423, 424, 425, 426, 427,\n'
        '         428, 429, 430, 431, 432, 433, 434, 435, 436, 437, 438, 439, 440, 441,\n'
        '         442, 443, 444, 445, 446, 447, 448, 449, 450, 451, 452, 453, 454, 455,\n'
        '         456, 457, 458, 459, 460, 461, 462, 463, 464, 465, 466, 467, 468, 469,\n'
        '         470, 471, 472, 473, 474, 475, 476, 477, 478, 479, 480, 481, 482, 483,\n'
        '         484, 485, 486, 487, 488, 489, 490, 491, 492, 493, 494, 495, 496, 497,\n'
        '         498, 499],\n'
        '        [500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 512, 513,\n'
        '         514, 515, 516, 517, 518, 519, 520, 521, 522, 523, 524, 525, 526, 527,\n'
        '         528, 529, 530, 531, 532, 533, 534, 535, 536, 537, 538, 539, 540, 541,\n'
        '         542, 543, 544, 545, 546, 547, 548, 549, 550, 551, 552, 553, 554, 555,\n'
        '         556, 557, 558, 559, 560, 561, 562, 563, 564, 565, 566, 567, 568, 569,\n'
        '         570, 571, 572, 573, 574, 575, 576, 577, 578, 579, 580, 581, 582, 583,\n'
        '         584, 585, 586, 587, 588, 589, 590, 591, 592, 593, 594, 595, 596, 597,\n'
        '         598, 599],\n'
        '        [600, 601, 602, 603, 604, 605, 606, 607, 608, 609, 610, 611, 612, 613,\n'
        '         614, 615, 616, 617, 618, 619, 620, 621, 622, 623, 624, 625, 626, 627,\n'
        '         628, 629, 630, 631, 632, 633, 634, 635, 636, 637, 638, 639, 640, 641,\n'
        '         642, 643, 644, 645, 646, 647, 648, 649, 650, 651, 652, 653, 654, 655,\n'
        '         656, 657, 658, 659, 660, 661, 662, 663, 664, 665, 666, 667, 668, 669,\n'
        '         670, 671, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683,\n'
        '         684, 685, 686, 687, 688, 689, 690, 691, 692, 693, 694, 695, 696, 697,\n'
        '         698, 699],\n'
        '        [700, 701, 702, 703, 704, 705, 706, 707, 708, 709, 710, 711, 712, 713,\n'
        '         714, 715, 716, 717, 718, 719, 720, 721, 722, 723, 724, 725, 726, 727,\n'
        '         728, 729, 730, 731, 732, 733, 734, 735, 736, 737, 738, 739, 740, 741,\n'
        '         742, 743, 744, 745, 746, 747, 748, 749, 750, 751, 752, 753, 754, 755,\n'
        '         756, 757, 758, 759, 760, 761, 762, 763, 764, 765, 766, 767, 768, 769,\n'
        '         770, 771, 772, 773, 774, 775, 776, 777, 778, 779, 780, 781, 782, 783,\n'
        '         784, 785, 786, 787, 788, 789, 790, 791, 792, 793, 794, 795, 796, 797,\n'
        '         798, 799],\n'
        '        [800, 801, 802, 803, 804, 805, 806, 807, 808, 809, 810, 811, 812, 813,\n'
        '         814, 815, 816, 817, 818, 819, 820, 821, 822, 823, 824, 825, 826, 827,\n'
        '         828, 829, 830, 831, 832, 833, 834, 835, 836, 837, 838, 839, 840, 841,\n'
        '         842, 843, 844, 845, 846, 847, 848, 849, 850, 851, 852, 853, 854, 855,\n'
        '         856, 857, 858, 859, 860, 861, 862, 863, 864, 865, 866, 867, 868, 869,\n'
        '         870, 871, 872, 873, 874, 875, 876, 877, 878, 879, 880, 881, 882, 883,\n'
        '         884, 885, 886, 887, 888, 889, 890, 891, 892, 893, 894, 895, 896, 897,\n'
        '         898, 899],\n'
        '        [900, 901, 902, 903, 904, 905, 906, 907, 908, 909, 910, 911, 912, 913,\n'
        '         914, 915, 916, 917, 918, 919, 920, 921, 922, 923, 924, 925, 926, 927,\n'
        '         928, 929, 930, 931, 932, 933, 934, 935, 936, 937, 938, 939, 940, 941,\n'
        '         942, 943, 944, 945, 946, 947, 948, 949, 950, 951, 952, 953, 954, 955,\n'
        '         956, 957, 958, 959, 960, 961, 962, 963, 964, 965, 966, 967, 968, 969,\n'
        '         970, 971, 972, 973, 974, 975, 976, 977, 978, 979, 980, 981, 982, 983,\n'
        '         984, 985, 986, 987, 988, 989, 990, 991, 992, 993, 994, 995, 996, 997,\n'
        '         998, 999]])'
    )),
    ('wrapped', 'torch.arange(30.)',
     (
        'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n'
        '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n'
        '        28., 29.])'
    )),
    ('wrapped_decimals', 'torch.arange(30.) / 7',
     (
        'tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n'
        '        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n'
        '        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n'
        '        3.8571, 4.0000, 4.1429])'
    )),
    ('wrapped_ints', 'torch.arange(40)',
     (
        'tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n'
        '        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n'
        '        36, 37, 38, 39])'
    )),
    ('wrapped_rows', 'torch.arange(40.).view(2, 20) / 3',
     (
        'tensor([[ 0.0000,  0.3333,  0.6667,  1.0000,  1.3333,  1.6667,  2.0000,  2.3333,\n'
        '          2.6667,  3.0000,  3.3333,  3.6667,  4.0000,  4.3333,  4.6667,  5.0000,\n'
        '          5.3333,  5.6667,  6.0000,  6.3333],\n'
        '        [ 6.6667,  7.0000,  7.3333,  7.6667,  8.0000,  8.3333,  8.6667,  9.0000,\n'
        '          9.3333,  9.6667, 10.0000, 10.3333, 10.6667, 11.0000, 11.3333, 11.6667,\n'
        '         12.0000, 12.3333, 12.6667, 13.0000]])'
    )),
    ('linspace', 'torch.linspace(-1, 1, 50)',
     (
        'tensor([-1.0000, -0.9592, -0.9184, -0.8776, -0.8367, -0.7959, -0.7551, -0.7143,\n'
        '        -0.6735, -0.6327, -0.5918, -0.5510, -0.5102, -0.4694, -0.4286, -0.3878,\n'
        '        -0.3469, -0.3061, -0.2653, -0.2245, -0.1837, -0.1429, -0.1020, -0.0612,\n'
        '        -0.0204,  0.0204,  0.0612,  0.1020,  0.1429,  0.1837,  0.2245,  0.2653,\n'
        '         0.3061,  0.3469,  0.3878,  0.4286,  0.4694,  0.5102,  0.5510,  0.5918,\n'
        '         0.6327,  0.6735,  0.7143,  0.7551,  0.7959,  0.8367,  0.8776,  0.9184,\n'
        '         0.9592,  1.0000])'
    )),
    ('sci_matrix', 'torch.arange(12.).view(3, 4) * 1e6',
     (
        'tensor([[       0.,  1000000.,  2000000.,  3000000.],\n'
        '        [ 4000000.,  5000000.,  6000000.,  7000000.],\n'
        '        [ 8000000.,  9000000., 10000000., 11000000.]])'
    )),
    ('empty', 'torch.tensor([])',
     'tensor([])'),
    ('empty_rows', 'torch.zeros(0, 3)',
     'tensor([], size=(0, 3))'),
    ('empty_cols', 'torch.zeros(2, 0)',
     'tensor([], size=(2, 0))'),
    ('empty_int', 'torch.zeros(0, dtype=torch.int64)',
     'tensor([], dtype=torch.int64)'),
    ('empty_int32', 'torch.zeros(0, dtype=torch.int32)',
     'tensor([], dtype=torch.int32)'),
    ('empty_float64_2d', 'torch.zeros(0, 3, dtype=torch.float64)',
     'tensor([], size=(0, 3), dtype=torch.float64)'),
    ('empty_bool', 'torch.zeros(0, 2, dtype=torch.bool)',
     'tensor([], size=(0, 2), dtype=torch.bool)'),
    ('empty_requires_grad', 'torch.zeros(0, requires_grad=True)',
     'tensor([], requires_grad=True)'),
    ('float64', 'torch.tensor([1., 2.], dtype=torch.float64)',
     'tensor([1., 2.], dtype=torch.float64)'),
    ('int32', 'torch.tensor([1, 2], dtype=torch.int32)',
     'tensor([1, 2], dtype=torch.int32)'),
    ('int64_has_no_suffix', 'torch.tensor([1, 2], dtype=torch.int64)',
     'tensor([1, 2])'),
    ('uint8', 'torch.tensor([1, 2], dtype=torch.uint8)',
     'tensor([1, 2], dtype=torch.uint8)'),
    ('int16', 'torch.tensor([1, 2, 3], dtype=torch.int16)',
     'tensor([1, 2, 3], dtype=torch.int16)'),
    ('float16', 'torch.tensor([1., 2.5], dtype=torch.float16)',
     'tensor([1.0000, 2.5000], dtype=torch.float16)'),
    ('float64_zeros', 'torch.zeros(3, dtype=torch.float64)',
     'tensor([0., 0., 0.], dtype=torch.float64)'),
    ('int32_matrix', 'torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)',
     (
        'tensor([[1, 2],\n'
        '        [3, 4]], dtype=torch.int32)'
    )),
    ('requires_grad', 'torch.tensor([1., 2.], requires_grad=True)',
     'tensor([1., 2.], requires_grad=True)'),
    ('grad_fn', 'torch.tensor([1., 2.], requires_grad=True) * 2',
     'tensor([2., 4.], grad_fn=<MulBackward0>)'),
    ('grad_fn_float64_scalar', 'torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True).sum()',
     'tensor(3., dtype=torch.float64, grad_fn=<SumBackward0>)'),
    ('requires_grad_scalar', 'torch.tensor(2.5, requires_grad=True)',
     'tensor(2.5000, requires_grad=True)'),
    ('requires_grad_float64', 'torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)',
     'tensor([1., 2.], dtype=torch.float64, requires_grad=True)'),
    ('grad_fn_wraps', 'torch.arange(20., dtype=torch.float64).view(2, 10).requires_grad_() * 1',
     (
        'tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9.],\n'
        '        [10., 11., 12., 13., 14., 15., 16., 17., 18., 19.]],\n'
        '       dtype=torch.float64, grad_fn=<MulBackward0>)'
    )),
    ('grad_fn_matrix', 'torch.tensor([[0.1234, 5.678], [9.1011, -12.1314]], requires_grad=True) + 1',
     (
        'tensor([[  1.1234,   6.6780],\n'
        '        [ 10.1011, -11.1314]], grad_fn=<AddBackward0>)'
    )),
    ('grad_fn_mean', 'torch.ones(3, requires_grad=True).mean()',
     'tensor(1., grad_fn=<MeanBackward0>)'),
    ('grad_fn_view', 'torch.ones(4, requires_grad=True).view(2, 2)',
     (
        'tensor([[1., 1.],\n'
        '        [1., 1.]], grad_fn=<ViewBackward0>)'
    )),
    ('grad_fn_index', 'torch.ones(4, requires_grad=True)[1:]',
     'tensor([1., 1., 1.], grad_fn=<SliceBackward0>)'),
    ('grad_fn_matmul', 'torch.ones(2, 3, requires_grad=True) @ torch.ones(3)',
     'tensor([3., 3.], grad_fn=<MvBackward0>)'),
    ('nan_inf', "torch.tensor([float('nan'), float('inf'), -float('inf'), 1.])",
     'tensor([nan, inf, -inf, 1.])'),
    ('nan_decimal', "torch.tensor([float('nan'), 1.5])",
     'tensor([   nan, 1.5000])'),
    ('inf_int_mode', "torch.tensor([float('inf'), 1.])",
     'tensor([inf, 1.])'),
    ('nan_only', "torch.tensor([float('nan')])",
     'tensor([nan])'),
    ('size', 'torch.zeros(2, 3).shape',
     'torch.Size([2, 3])'),
    ('size_empty', 'torch.zeros(()).shape',
     'torch.Size([])'),
    ('size_method', 'torch.zeros(4).size()',
     'torch.Size([4])'),
    ('dtype_float32', 'torch.float32',
     'torch.float32'),
    ('dtype_int64', 'torch.int64',
     'torch.int64'),
    ('dtype_bool', 'torch.bool',
     'torch.bool'),
    ('dtype_float64', 'torch.double',
     'torch.float64'),
    ('max_dim', 'torch.tensor([[1., 5.], [3., 2.]]).max(1)',
     (
        'torch.return_types.max(\n'
        'values=tensor([5., 3.]),\n'
        'indices=tensor([1, 0]))'
    )),
    ('min_dim', 'torch.tensor([4., 2., 9.]).min(0)',
     (
        'torch.return_types.min(\n'
        'values=tensor(2.),\n'
        'indices=tensor(1))'
    )),
    ('device', 'torch.zeros(1).device',
     "device(type='cpu')"),
]

EXPECTED_WITH_OPTIONS = [
    ('precision_2', {'precision': 2}, 'torch.tensor([1.23456, 2.5])',
     'tensor([1.23, 2.50])'),
    ('precision_6', {'precision': 6}, 'torch.tensor([1/3, 2.5])',
     'tensor([0.333333, 2.500000])'),
    ('sci_mode_off', {'sci_mode': False}, 'torch.tensor([1e-5, 1.])',
     'tensor([0.0000, 1.0000])'),
    ('sci_mode_on', {'sci_mode': True}, 'torch.tensor([0.5, 1.5])',
     'tensor([5.0000e-01, 1.5000e+00])'),
    ('sci_mode_off_wide', {'sci_mode': False}, 'torch.tensor([1e-9, 1e9])',
     'tensor([         0.0000, 1000000000.0000])'),
    ('sci_mode_off_int_mode', {'sci_mode': False}, 'torch.tensor([123456789., 1.])',
     'tensor([123456792.,         1.])'),
    ('sci_mode_on_int_mode', {'sci_mode': True}, 'torch.tensor([1., 20.])',
     'tensor([1.0000e+00, 2.0000e+01])'),
    ('threshold_5', {'threshold': 5}, 'torch.arange(10.)',
     'tensor([0., 1., 2.,  ..., 7., 8., 9.])'),
    ('edgeitems_1', {'threshold': 5, 'edgeitems': 1}, 'torch.arange(10.)',
     'tensor([0.,  ..., 9.])'),
    ('linewidth_40', {'linewidth': 40}, 'torch.arange(20.)',
     (
        'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,\n'
        '         6.,  7.,  8.,  9., 10., 11.,\n'
        '        12., 13., 14., 15., 16., 17.,\n'
        '        18., 19.])'
    )),
    ('profile_short', {'profile': 'short'}, 'torch.tensor([1.23456, 2.5])',
     'tensor([1.23, 2.50])'),
]


@pytest.mark.parametrize("name, expr, expected", EXPECTED, ids=[c[0] for c in EXPECTED])
def test_repr_matches_pytorch(name, expr, expected):
    value = eval(expr, {"torch": torch})
    assert repr(value) == expected


@pytest.mark.parametrize("name, expr, expected", [c for c in EXPECTED if c[2].startswith("tensor(")],
                         ids=[c[0] for c in EXPECTED if c[2].startswith("tensor(")])
def test_str_is_the_repr(name, expr, expected):
    assert str(eval(expr, {"torch": torch})) == expected


@pytest.fixture
def restore_printoptions():
    yield
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize("name, options, expr, expected", EXPECTED_WITH_OPTIONS,
                         ids=[c[0] for c in EXPECTED_WITH_OPTIONS])
def test_set_printoptions(name, options, expr, expected, restore_printoptions):
    torch.set_printoptions(**options)
    assert repr(eval(expr, {"torch": torch})) == expected


def test_default_profile_restores_everything(restore_printoptions):
    torch.set_printoptions(precision=2, threshold=5, linewidth=30, sci_mode=True)
    torch.set_printoptions(profile="default")
    assert repr(torch.tensor([0.5, 1.0])) == "tensor([0.5000, 1.0000])"
    assert repr(torch.arange(10.0)) == "tensor([0., 1., 2., 3., 4., 5., 6., 7., 8., 9.])"


def test_repr_does_not_change_with_grad_mode():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        assert repr(x) == "tensor([1., 2.], requires_grad=True)"
        assert repr(x * 2) == "tensor([2., 4.])"


def test_repr_of_a_leaf_that_was_detached_and_of_a_custom_function():
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr((x * 2).detach()) == "tensor([2., 4.])"
    assert repr(Double.apply(x)) == "tensor([2., 4.], grad_fn=<DoubleBackward>)"


def test_format_of_zero_dim_tensors_uses_the_number():
    assert f"{torch.tensor(3.14159):.2f}" == "3.14"
    assert f"{torch.tensor(7)}" == "7"
    assert f"{torch.tensor([1.0, 2.0])}" == "tensor([1., 2.])"


def test_default_dtype_float64_prints_float32_suffix():
    try:
        torch.set_default_dtype(torch.float64)
        assert repr(torch.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
        assert repr(torch.tensor([1.5, 2.0], dtype=torch.float32)) == "tensor([1.5000, 2.0000], dtype=torch.float32)"
    finally:
        torch.set_default_dtype(torch.float32)
