// Single stochastic-gradient steps with a per-row AdaGrad learning rate (as LIBMF): each factor
// row keeps the running mean of its squared gradients, and its step is eta / sqrt(that sum).
// Rows are [f (k), bias]. The explicit step is written on Lanes (below); the implicit ones leave
// the loops over k to the compiler (contiguous rows, no aliasing, omp simd reductions).
#pragma once
#include <cmath>

#include "src/kernels/lanes.h"

namespace crossmf::CROSSMF_LEVEL {

// Explicit: squared error of r against mu + x.y (+ biases), L2 lambda on every parameter
// touched. Returns the squared error before the step.
//
// The hot loop of explicit SGD, on whole Lanes and a scalar tail for k not a multiple of kLanes.
// Each step of a user waits on its previous one (dot -> error -> step), so the dot product is
// lanes_dot (two accumulators, a shuffle tree), and the AdaGrad means multiply by 1/k instead
// of dividing (bench/README.md, SGD).
inline real sgd_explicit_step(real* __restrict x, real* __restrict y, real* gx, real* gy, int k, bool biases, real mu,
                              real r, real lambda, real eta) {
  const real dot = lanes_dot(x, y, k);
  const real e = r - (mu + dot + (biases ? x[k] + y[k] : real(0)));
  const real ex = eta / std::sqrt(*gx), ey = eta / std::sqrt(*gy);
  const int kv = k / kLanes * kLanes;
  Lanes vx = {}, vy = {};
  int f = 0;
  for (; f < kv; f += kLanes) {
    const Lanes xf = lanes_at(x + f), yf = lanes_at(y + f);
    const Lanes dx = lambda * xf - e * yf, dy = lambda * yf - e * xf;
    lanes_at(x + f) = xf - ex * dx;
    lanes_at(y + f) = yf - ey * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  real sx = lanes_sum(vx), sy = lanes_sum(vy);
  for (f = kv; f < k; ++f) {
    const real dx = lambda * x[f] - e * y[f];
    const real dy = lambda * y[f] - e * x[f];
    x[f] -= ex * dx;
    y[f] -= ey * dy;
    sx += dx * dx;
    sy += dy * dy;
  }
  if (biases) {
    const real dx = lambda * x[k] - e, dy = lambda * y[k] - e;
    x[k] -= ex * dx;
    y[k] -= ey * dy;
  }
  const real inv_k = real(1) / static_cast<real>(k);
  *gx += sx * inv_k;
  *gy += sy * inv_k;
  return e * e;
}

// Implicit, BPR: maximise log sigmoid(x.(yi - yj)) for a positive i and a sampled negative j.
// Returns -log sigmoid before the step.
inline real sgd_bpr_step(real* __restrict x, real* __restrict yi, real* __restrict yj, real* gx, real* gi, real* gj,
                         int k, real lambda, real eta) {
  real d = 0;
#pragma omp simd reduction(+ : d)
  for (int f = 0; f < k; ++f) d += x[f] * (yi[f] - yj[f]);
  const real z = real(1) / (real(1) + std::exp(d));  // sigmoid(-d)
  const real ex = eta / std::sqrt(*gx), ei = eta / std::sqrt(*gi), ej = eta / std::sqrt(*gj);
  real sx = 0, si = 0, sj = 0;
#pragma omp simd reduction(+ : sx, si, sj)
  for (int f = 0; f < k; ++f) {
    const real dx = lambda * x[f] - z * (yi[f] - yj[f]);
    const real di = lambda * yi[f] - z * x[f];
    const real dj = lambda * yj[f] + z * x[f];
    x[f] -= ex * dx;
    yi[f] -= ei * di;
    yj[f] -= ej * dj;
    sx += dx * dx;
    si += di * di;
    sj += dj * dj;
  }
  *gx += sx / k;
  *gi += si / k;
  *gj += sj / k;
  return std::log1p(std::exp(-d));
}

// Implicit, weighted squared loss: target 1 with confidence c for a positive, target 0 with
// weight 1 for a sampled negative. Returns the weighted squared error before the step.
// AdaGrad's sums take this gradient before the step: confidences reach 1 + alpha r (thousands
// for large counts), and a first step scaled only by the prior sum would blow the factors up.
inline real sgd_wsl_step(real* __restrict x, real* __restrict y, real* gx, real* gy, int k, real target, real weight,
                         real lambda, real eta) {
  real dot = 0;
#pragma omp simd reduction(+ : dot)
  for (int f = 0; f < k; ++f) dot += x[f] * y[f];
  const real we = weight * (target - dot);
  real sx = 0, sy = 0;
#pragma omp simd reduction(+ : sx, sy)
  for (int f = 0; f < k; ++f) {
    const real dx = lambda * x[f] - we * y[f];
    const real dy = lambda * y[f] - we * x[f];
    sx += dx * dx;
    sy += dy * dy;
  }
  *gx += sx / k;
  *gy += sy / k;
  const real ex = eta / std::sqrt(*gx), ey = eta / std::sqrt(*gy);
#pragma omp simd
  for (int f = 0; f < k; ++f) {
    const real dx = lambda * x[f] - we * y[f];
    const real dy = lambda * y[f] - we * x[f];
    x[f] -= ex * dx;
    y[f] -= ey * dy;
  }
  return we * (target - dot);
}

}  // namespace crossmf::CROSSMF_LEVEL
