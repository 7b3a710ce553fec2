"""Makes churn-gb.onnx, the plain ONNX model the model-server's ONNX tests serve, in the folder
given as argument (default model-server/target/onnx). tools/onnx/make-test-model.sh runs it.

A scikit-learn GradientBoostingClassifier on the nine numeric columns of the telco churn data
(examples/data/telco-churn.csv), converted with skl2onnx: one float input "input" of shape
[N, 9] in the order of FEATURES, outputs "label" [N] and "probabilities" [N, 2].
Also writes churn-gb-expected.csv: the positive-class probability onnxruntime gives for the
first 200 rows, which the tests compare with what the server answers.

    bash tools/onnx/make-test-model.sh
"""
import csv
import os
import sys

import numpy as np
import onnxruntime
from skl2onnx import to_onnx
from sklearn.ensemble import GradientBoostingClassifier

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
DATA = os.path.join(ROOT, "examples/data/telco-churn.csv")
HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "model-server/target/onnx")
os.makedirs(HERE, exist_ok=True)
FEATURES = ["tenure", "monthly_charges", "total_charges", "female", "senior_citizen", "partner",
            "dependents", "phone_service", "paperless_billing"]

rows = list(csv.DictReader(open(DATA)))
def number(cell):
    return float(cell) if cell.strip() not in ("", "NA") else 0.0


X = np.array([[number(r[f]) for f in FEATURES] for r in rows], dtype=np.float32)
y = np.array([1 if r["churn"] == "Yes" else 0 for r in rows])
model = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=7).fit(X, y)
onx = to_onnx(model, X[:1], options={id(model): {"zipmap": False}}, target_opset=15)
# Name the input and outputs plainly.
onx.graph.input[0].name = "input"
for node in onx.graph.node:
    node.input[:] = ["input" if i == "X" else i for i in node.input]
with open(os.path.join(HERE, "churn-gb.onnx"), "wb") as f:
    f.write(onx.SerializeToString())
session = onnxruntime.InferenceSession(os.path.join(HERE, "churn-gb.onnx"))
probabilities = session.run(None, {"input": X[:200]})[1][:, 1]
with open(os.path.join(HERE, "churn-gb-expected.csv"), "w") as f:
    f.write("row,probability\n")
    for i, p in enumerate(probabilities):
        f.write(f"{i},{p:.7f}\n")
print("inputs", [(i.name, i.shape) for i in session.get_inputs()], "outputs", [(o.name, o.shape) for o in session.get_outputs()])
