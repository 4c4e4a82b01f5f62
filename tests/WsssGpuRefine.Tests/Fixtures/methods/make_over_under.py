"""Writes the Puzzle-CAM over/under fixture: OFRIN/PuzzleCAM evaluate.py:96-116 (do_python_eval's IoU and FP_ALL) and
:139-184 (--mode rw: best threshold, over = FP closest to 1.60x the best's, under = 0.60x), rendered in numpy.

Run with Debian's Python:  /usr/bin/python3 make_over_under.py   (in this folder)
Writes over_under_confusion.npy (n_th, 21, 21) int64 (rows GT, columns prediction, one matrix per threshold of
np.arange(0.05, 0.50, 0.05)) and over_under.npy float64 rows [threshold, mIoU %, FP] for best, over, under.
"""
import numpy as np

rng = np.random.default_rng(7)
num_cls = 21
th_list = np.arange(0.05, 0.50, 0.05).tolist()
gt = rng.integers(0, num_cls, 4000)
gt[rng.random(4000) < 0.4] = 0
score = rng.random(4000)
confusions, mIoU_list, FP_list = [], [], []
for th in th_list:
    # Lower thresholds keep more foreground (over-activation), higher ones more background.
    predict = np.where(rng.random(4000) < 0.8, gt, rng.integers(1, num_cls, 4000))
    predict[(gt == 0) & (score > 2 * th)] = rng.integers(1, num_cls)
    predict[(gt > 0) & (score < 1.5 * th)] = 0
    P = [np.sum(predict == i) for i in range(num_cls)]
    T = [np.sum(gt == i) for i in range(num_cls)]
    TP = [np.sum((gt == i) * (predict == gt)) for i in range(num_cls)]
    IoU = [TP[i] / (T[i] + P[i] - TP[i] + 1e-10) for i in range(num_cls)]
    FP_ALL = [(P[i] - TP[i]) / (T[i] + P[i] - TP[i] + 1e-10) for i in range(num_cls)]
    mIoU_list.append(np.mean(np.array(IoU)) * 100)
    FP_list.append(np.mean(np.array(FP_ALL)[1:]))
    c = np.zeros((num_cls, num_cls), np.int64)
    np.add.at(c, (gt, predict), 1)
    confusions.append(c)
best_index = np.argmax(mIoU_list)
best_FP = FP_list[best_index]
over_index = np.argmin([np.abs(FP - best_FP * 1.60) for FP in FP_list])
under_index = np.argmin([np.abs(FP - best_FP * 0.60) for FP in FP_list])
rows = [[th_list[i], mIoU_list[i], FP_list[i]] for i in (best_index, over_index, under_index)]
print("best/over/under indices", best_index, over_index, under_index)
np.save("over_under_confusion.npy", np.array(confusions))
np.save("over_under.npy", np.array(rows, np.float64))
