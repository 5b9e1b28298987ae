/* The line model's tree walk in C (optional: forest.py falls back to its numpy walk when
 * this module is not built).  Plain root-to-leaf walks over the forest's flattened node
 * tables, on the numpy arrays forest.py passes (read through the buffer protocol, so no
 * numpy headers are needed to build it).  The same floats as the numpy walk: a row's
 * score adds the leaf values tree by tree from the baseline, and its contributions add
 * each path step's amount in (tree, depth) order from 0.0, as np.add.accumulate and
 * np.bincount do there (tests/test_linemodel.py compares the two bit for bit). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* A buffer of `count` items of `size` bytes, C-contiguous, writable if asked. */
static int get(PyObject *obj, Py_buffer *view, Py_ssize_t size, Py_ssize_t count, int writable, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != size || view->len != size * count) {
        PyErr_Format(PyExc_ValueError, "_walk: %s has the wrong item size or length", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Each buffer got is counted, so `done` releases exactly those. */
#define GET(call) do { if ((call) < 0) goto done; got++; } while (0)

/* How many items of `itemsize` bytes the contiguous buffer of `o` holds (-1 on error). */
static Py_ssize_t items_of(PyObject *o, Py_ssize_t itemsize)
{
    Py_buffer b;
    if (PyObject_GetBuffer(o, &b, PyBUF_C_CONTIGUOUS) < 0) return -1;
    Py_ssize_t n = b.len / itemsize;
    PyBuffer_Release(&b);
    return n;
}

/* leaves(x, n_rows, n_features, feature, threshold, missing_left, left, right, leaf,
 *        root, leaf_value, baseline, leaves_out, scores_out)
 * x: n_rows x n_features float64; per node: feature int32, threshold float64,
 * missing_left uint8, left/right child int32, leaf int32 (its leaf number, -1 for a
 * split); root: int32 per tree; leaf_value float64 per leaf; out: leaves int64
 * (n_rows x n_trees), scores float64 (n_rows). */
static PyObject *walk_leaves(PyObject *self, PyObject *args)
{
    PyObject *ox, *ofeat, *othr, *oml, *oleft, *oright, *oleaf, *oroot, *ovalue, *oleaves, *oscores;
    Py_ssize_t n, nf;
    double baseline;
    if (!PyArg_ParseTuple(args, "OnnOOOOOOOOdOO", &ox, &n, &nf, &ofeat, &othr, &oml, &oleft, &oright, &oleaf,
                          &oroot, &ovalue, &baseline, &oleaves, &oscores))
        return NULL;
    Py_buffer bx, bfeat, bthr, bml, bleft, bright, bleaf, broot, bvalue, bleaves, bscores;
    Py_buffer *all[] = {&bx, &bfeat, &bthr, &bml, &bleft, &bright, &bleaf, &broot, &bvalue, &bleaves, &bscores};
    int got = 0;
    PyObject *result = NULL;
    Py_ssize_t n_nodes = items_of(ofeat, 4);
    if (n_nodes < 0) return NULL;
    Py_ssize_t n_trees = items_of(oroot, 4);
    if (n_trees < 0) return NULL;
    Py_ssize_t n_leaves = items_of(ovalue, 8);
    if (n_leaves < 0) return NULL;
    GET(get(ox, &bx, 8, n * nf, 0, "x"));
    GET(get(ofeat, &bfeat, 4, n_nodes, 0, "feature"));
    GET(get(othr, &bthr, 8, n_nodes, 0, "threshold"));
    GET(get(oml, &bml, 1, n_nodes, 0, "missing_left"));
    GET(get(oleft, &bleft, 4, n_nodes, 0, "left"));
    GET(get(oright, &bright, 4, n_nodes, 0, "right"));
    GET(get(oleaf, &bleaf, 4, n_nodes, 0, "leaf"));
    GET(get(oroot, &broot, 4, n_trees, 0, "root"));
    GET(get(ovalue, &bvalue, 8, n_leaves, 0, "leaf_value"));
    GET(get(oleaves, &bleaves, 8, n * n_trees, 1, "leaves_out"));
    GET(get(oscores, &bscores, 8, n, 1, "scores_out"));
    {
        const double *x = bx.buf, *thr = bthr.buf, *value = bvalue.buf;
        const int32_t *feat = bfeat.buf, *left = bleft.buf, *right = bright.buf, *leaf = bleaf.buf, *root = broot.buf;
        const uint8_t *ml = bml.buf;
        int64_t *leaves = bleaves.buf;
        double *scores = bscores.buf;
        /* The tables come from forest.py; still, a bad index must not read out of bounds. */
        for (Py_ssize_t i = 0; i < n_nodes; i++) {
            if (leaf[i] >= n_leaves || (leaf[i] < 0 && (feat[i] < 0 || feat[i] >= nf || left[i] < 0 ||
                                                        left[i] >= n_nodes || right[i] < 0 || right[i] >= n_nodes))) {
                PyErr_SetString(PyExc_ValueError, "_walk: a node out of range");
                goto done;
            }
        }
        for (Py_ssize_t t = 0; t < n_trees; t++) {
            if (root[t] < 0 || root[t] >= n_nodes) {
                PyErr_SetString(PyExc_ValueError, "_walk: a root out of range");
                goto done;
            }
        }
        Py_BEGIN_ALLOW_THREADS
        /* Tree by tree over all rows: a tree's nodes stay in the cache while the rows
         * pass; each row's score still adds its trees' values in the trees' order. */
        for (Py_ssize_t r = 0; r < n; r++) scores[r] = baseline;
        for (Py_ssize_t t = 0; t < n_trees; t++) {
            for (Py_ssize_t r = 0; r < n; r++) {
                const double *row = x + r * nf;
                int32_t node = root[t];
                Py_ssize_t steps = 0;
                while (leaf[node] < 0 && steps++ < n_nodes) {
                    double v = row[feat[node]];
                    int go_left = isnan(v) ? ml[node] : (v <= thr[node]);
                    node = go_left ? left[node] : right[node];
                }
                int64_t got = leaf[node] < 0 ? 0 : leaf[node];
                leaves[r * n_trees + t] = got;
                scores[r] += value[got];
            }
        }
        Py_END_ALLOW_THREADS
        result = Py_None;
        Py_INCREF(result);
    }
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(all[i]);
    return result;
}

/* contributions(leaves, n_rows, n_trees, path_start, path_len, path_feature, path_amount,
 *               n_features, out)
 * leaves: int64 n_rows x n_trees; path_start/path_len int64 per leaf; path_feature int64
 * and path_amount float64 per step; out: float64 n_rows x n_features, zeros. */
static PyObject *walk_contributions(PyObject *self, PyObject *args)
{
    PyObject *oleaves, *ostart, *olen, *ofeat, *oamount, *oout;
    Py_ssize_t n, n_trees, nf;
    if (!PyArg_ParseTuple(args, "OnnOOOOnO", &oleaves, &n, &n_trees, &ostart, &olen, &ofeat, &oamount, &nf, &oout))
        return NULL;
    Py_buffer bleaves, bstart, blen, bfeat, bamount, bout;
    Py_buffer *all[] = {&bleaves, &bstart, &blen, &bfeat, &bamount, &bout};
    int got = 0;
    PyObject *result = NULL;
    Py_ssize_t n_leaves = items_of(ostart, 8);
    if (n_leaves < 0) return NULL;
    Py_ssize_t n_steps = items_of(ofeat, 8);
    if (n_steps < 0) return NULL;
    GET(get(oleaves, &bleaves, 8, n * n_trees, 0, "leaves"));
    GET(get(ostart, &bstart, 8, n_leaves, 0, "path_start"));
    GET(get(olen, &blen, 8, n_leaves, 0, "path_len"));
    GET(get(ofeat, &bfeat, 8, n_steps, 0, "path_feature"));
    GET(get(oamount, &bamount, 8, n_steps, 0, "path_amount"));
    GET(get(oout, &bout, 8, n * nf, 1, "out"));
    {
        const int64_t *leaves = bleaves.buf, *start = bstart.buf, *len = blen.buf, *feat = bfeat.buf;
        const double *amount = bamount.buf;
        double *out = bout.buf;
        for (Py_ssize_t i = 0; i < n * n_trees; i++) {
            int64_t l = leaves[i];
            if (l < 0 || l >= n_leaves || start[l] < 0 || len[l] < 0 || start[l] + len[l] > n_steps) {
                PyErr_SetString(PyExc_ValueError, "_walk: a leaf out of range");
                goto done;
            }
        }
        for (Py_ssize_t s = 0; s < n_steps; s++) {
            if (feat[s] < 0 || feat[s] >= nf) {
                PyErr_SetString(PyExc_ValueError, "_walk: a path feature out of range");
                goto done;
            }
        }
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t r = 0; r < n; r++) {
            double *row = out + r * nf;
            const int64_t *lv = leaves + r * n_trees;
            for (Py_ssize_t t = 0; t < n_trees; t++) {
                int64_t s = start[lv[t]], end = s + len[lv[t]];
                for (; s < end; s++)
                    row[feat[s]] += amount[s];
            }
        }
        Py_END_ALLOW_THREADS
        result = Py_None;
        Py_INCREF(result);
    }
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(all[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"leaves", walk_leaves, METH_VARARGS, "Each row's leaf per tree and raw score (see forest.py)."},
    {"contributions", walk_contributions, METH_VARARGS, "Each row's per-feature contributions (see forest.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_walk", "The line model's tree walk in C.", -1, methods};

PyMODINIT_FUNC PyInit__walk(void) { return PyModule_Create(&module); }
