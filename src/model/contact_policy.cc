#include "src/model/contact_policy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "src/kernels/kernels.h"
#include "src/numerics/slices.h"
#include "src/numerics/topn.h"

namespace crossmf {

namespace {

// The bid increment, as a share of the largest affinity. With every bid epsilon above the
// bidder's indifference, each offer's value is within epsilon of the user's best alternative at
// the final prices, so the total is within epsilon x (offers made) of the optimum over the
// candidates (Bertsekas' epsilon-complementary slackness).
constexpr double kEpsilonShare = 1e-3;
// The products a user bids among: its best by affinity, kCandidatesPerOffer per offer allowed
// and at least kMinCandidates (all of them on small catalogues).
constexpr int kCandidatesPerOffer = 8;
constexpr int kMinCandidates = 64;
// The caps hold after every round, so a run that reaches this stops where it stands.
constexpr int kMaxRounds = 100000;
constexpr index_t kUserTile = 64;

struct Product { index_t item; int audience; int owner; };
struct Bid { index_t product; index_t user; real price; real score; };       // user: original id
struct Outcome { index_t product; index_t user; std::int32_t won; };  // won 1, dropped 0

// The gated products in output order (domain by domain, item ids rising) and the rank that
// writes each one's row: the owner of its audience in build_audience's layout.
std::vector<Product> gated_products(const Partition& part, const std::vector<std::pair<std::string, int>>& domains,
                                    const std::vector<std::int32_t>& domain, int P) {
  std::vector<Product> products;
  for (int d = 0; d < static_cast<int>(domains.size()); ++d) {
    std::vector<index_t> items;
    for (index_t i = 0; i < part.n_items; ++i)
      if (domain[i] == domains[d].second) items.push_back(i);
    const count_t n = static_cast<count_t>(items.size());
    for (int r = 0; r < P; ++r) {
      const Slice s = even_slice(n, r, P);
      for (count_t j = s.begin; j < s.end; ++j) products.push_back({items[j], d, r});
    }
  }
  return products;
}

// Per eligible local user, its best `L` products by affinity among those it has not rated, with
// a positive affinity (an offer of none adds nothing), best first; product -1 pads. The affinity
// is build_audience's, term for term.
void best_candidates(const Partition& part, const Factors& f, const std::vector<Product>& products,
                     const std::vector<index_t>& users, int L, int threads, std::vector<index_t>& cand,
                     std::vector<real>& cand_score) {
  const int k = f.k;
  const index_t np = static_cast<index_t>(products.size()), nu = static_cast<index_t>(users.size());
  Matrix Y(np, k);
  std::vector<real> item_bias(np, 0);
  std::vector<index_t> position(part.n_items, -1);  // scattered item -> product
  for (index_t p = 0; p < np; ++p) {
    const index_t s = part.item_scatter.forward(products[p].item);
    Y.row(p) = f.items.row(s).head(k);
    if (f.biases) item_bias[p] = f.items(s, k);
    position[s] = p;
  }
  cand.assign(static_cast<std::size_t>(nu) * L, -1);
  cand_score.assign(static_cast<std::size_t>(nu) * L, std::numeric_limits<real>::quiet_NaN());
  const Kernels& K = kernels();
#pragma omp parallel num_threads(threads)
  {
    Matrix X, S;
    std::vector<std::uint8_t> rated(np, 0);
    TopN top(L);
#pragma omp for schedule(dynamic, 1)
    for (index_t u0 = 0; u0 < nu; u0 += kUserTile) {
      const index_t tu = std::min(kUserTile, nu - u0);
      X.resize(tu, k);
      for (index_t j = 0; j < tu; ++j) X.row(j) = f.users.row(users[u0 + j]).head(k);
      S.resize(tu, np);
      K.products(X.data(), tu, k, Y.data(), np, k, k, S.data());
      for (index_t j = 0; j < tu; ++j) {
        const index_t u = users[u0 + j];
        const real user_bias = f.biases ? f.mu + f.users(u, k) : real(0);
        auto each_rated = [&](auto mark) {
          for (const Csr* c : {&part.by_user, &part.test_by_user})
            if (c->rows() > u)
              for (count_t e = c->ptr[u]; e < c->ptr[u + 1]; ++e)
                if (position[c->col[e]] >= 0) mark(position[c->col[e]]);
        };
        each_rated([&](index_t p) { rated[p] = 1; });
        top.reset(L);
        for (index_t p = 0; p < np; ++p) {
          const real score = f.biases ? S(j, p) + (item_bias[p] + user_bias) : S(j, p);
          if (!rated[p] && score > 0) top.push(score, p);
        }
        each_rated([&](index_t p) { rated[p] = 0; });
        const std::size_t at = static_cast<std::size_t>(u0 + j) * L;
        top.write(cand.data() + at, cand_score.data() + at);
      }
    }
  }
}

// Ties between equal bids go to the smaller user id, on every rank count alike.
bool ahead(real price, index_t user, real other_price, index_t other_user) {
  return price != other_price ? price > other_price : user < other_user;
}

}  // namespace

std::vector<Audience> assign_audiences(const Comm& comm, const Partition& part, const Factors& f,
                                       const std::vector<std::pair<std::string, int>>& domains,
                                       const std::vector<std::int32_t>& domain, const std::vector<std::uint8_t>& eligible,
                                       int A, int N, double control_fraction, std::uint64_t seed, int threads,
                                       ContactStats* stats) {
  const int P = comm.size(), rank = comm.rank();
  const std::vector<Product> products = gated_products(part, domains, domain, P);
  const index_t np = static_cast<index_t>(products.size());
  std::vector<index_t> users;  // eligible local users
  for (index_t u = 0; u < part.local_users; ++u)
    if (eligible[u]) users.push_back(u);
  const index_t nu = static_cast<index_t>(users.size());
  std::vector<index_t> slot(part.local_users, -1), original(nu);
  for (index_t j = 0; j < nu; ++j) {
    slot[users[j]] = j;
    original[j] = part.user_scatter.inverse(part.user_begin + users[j]);
  }
  const int L = static_cast<int>(std::min<count_t>(np, std::max<count_t>(kMinCandidates, count_t(kCandidatesPerOffer) * N)));
  std::vector<index_t> cand;
  std::vector<real> cand_score;
  best_candidates(part, f, products, users, L, threads, cand, cand_score);
  real top_score = 0;
  for (std::size_t c = 0; c < cand.size(); ++c)
    if (cand[c] >= 0) top_score = std::max(top_score, cand_score[c]);
  const real epsilon = static_cast<real>(kEpsilonShare * comm.max(top_score));

  // Users' side: the products each holds. Products' side (their owners): the holders, best bid
  // first. `price` is replicated: what a bid must beat, 0 while a product has room.
  std::vector<index_t> hold(static_cast<std::size_t>(nu) * N);
  std::vector<int> held(nu, 0);
  std::vector<std::vector<Bid>> holders(np);
  std::vector<real> price(np, 0);
  auto owner_of_user = [&](index_t original_id) { return part.users.owner(part.user_scatter.forward(original_id)); };

  ContactStats st;
  st.epsilon = epsilon;
  std::vector<std::pair<real, index_t>> values;  // (value at current prices, candidate)
  for (;; ++st.rounds) {
    // Bids: each user short of N offers bids for its best m = N - held products by affinity
    // minus price, each at the price that leaves it epsilon short of indifference with its
    // (m+1)-th best (or with no offer).
    std::vector<std::vector<Bid>> to(P);
    count_t bids = 0;
    for (index_t j = 0; j < nu; ++j) {
      const int m = N - held[j];
      if (m == 0) continue;
      values.clear();
      for (int c = 0; c < L; ++c) {
        const index_t p = cand[static_cast<std::size_t>(j) * L + c];
        if (p < 0) break;
        bool mine = false;
        for (int h = 0; h < held[j]; ++h) mine |= hold[static_cast<std::size_t>(j) * N + h] == p;
        const real v = cand_score[static_cast<std::size_t>(j) * L + c] - price[p];
        if (!mine && v > 0) values.push_back({v, c});
      }
      if (values.empty()) continue;
      const std::size_t take = std::min<std::size_t>(m, values.size());
      const std::size_t keep = std::min(take + 1, values.size());
      std::partial_sort(values.begin(), values.begin() + keep, values.end(),
                        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
      const real next = values.size() > take ? values[take].first : real(0);
      for (std::size_t t = 0; t < take; ++t) {
        const std::size_t c = static_cast<std::size_t>(j) * L + values[t].second;
        const index_t p = cand[c];
        to[products[p].owner].push_back({p, original[j], cand_score[c] - next + epsilon, cand_score[c]});
        ++bids;
      }
    }
    if (comm.sum(bids) == 0) break;
    if (st.rounds == kMaxRounds) {
      st.converged = false;
      break;
    }
    std::vector<Bid> send;
    std::vector<count_t> counts(P);
    for (int r = 0; r < P; ++r) {
      counts[r] = static_cast<count_t>(to[r].size());
      send.insert(send.end(), to[r].begin(), to[r].end());
    }
    std::vector<Bid> got = comm.alltoallv<Bid>(send, counts);

    // Products: the A best of holders and new bids stay; winners and the dropped are told.
    std::sort(got.begin(), got.end(), [](const Bid& a, const Bid& b) { return a.product < b.product; });
    std::vector<std::vector<Outcome>> told(P);
    std::vector<Bid> all;
    for (std::size_t b = 0; b < got.size();) {
      const index_t p = got[b].product;
      std::size_t e = b;
      while (e < got.size() && got[e].product == p) ++e;
      std::vector<Bid>& h = holders[p];
      all.assign(h.begin(), h.end());
      all.insert(all.end(), got.begin() + b, got.begin() + e);
      std::sort(all.begin(), all.end(), [](const Bid& x, const Bid& y) { return ahead(x.price, x.user, y.price, y.user); });
      const std::size_t stay = std::min<std::size_t>(A, all.size());
      for (std::size_t t = 0; t < all.size(); ++t) {
        const bool was = std::any_of(h.begin(), h.end(), [&](const Bid& x) { return x.user == all[t].user; });
        if ((t < stay) != was) told[owner_of_user(all[t].user)].push_back({p, all[t].user, t < stay});
      }
      all.resize(stay);
      h.swap(all);
      b = e;
    }
    std::vector<Outcome> out;
    for (int r = 0; r < P; ++r) {
      counts[r] = static_cast<count_t>(told[r].size());
      out.insert(out.end(), told[r].begin(), told[r].end());
    }
    for (const Outcome& o : comm.alltoallv<Outcome>(out, counts)) {
      const index_t j = slot[part.user_scatter.forward(o.user) - part.user_begin];
      index_t* mine = hold.data() + static_cast<std::size_t>(j) * N;
      if (o.won)
        mine[held[j]++] = o.product;
      else {
        index_t* at = std::find(mine, mine + held[j], o.product);
        *at = mine[--held[j]];
      }
    }
    std::vector<real> owned(np, 0);
    for (index_t p = 0; p < np; ++p)
      if (products[p].owner == rank && static_cast<int>(holders[p].size()) == A) owned[p] = holders[p].back().price;
    comm.max(std::span<real>(owned));
    price.swap(owned);
  }

  // The LP dual at the final prices bounds the optimum: A x (sum of prices) + per user the sum of
  // its N best positive (affinity - price).
  double bound = 0, affinity = 0;
  std::vector<real> gain;
  for (index_t j = 0; j < nu; ++j) {
    gain.clear();
    for (int c = 0; c < L; ++c) {
      const index_t p = cand[static_cast<std::size_t>(j) * L + c];
      if (p >= 0 && cand_score[static_cast<std::size_t>(j) * L + c] > price[p])
        gain.push_back(cand_score[static_cast<std::size_t>(j) * L + c] - price[p]);
    }
    const std::size_t n = std::min<std::size_t>(N, gain.size());
    std::partial_sort(gain.begin(), gain.begin() + n, gain.end(), std::greater<>());
    for (std::size_t t = 0; t < n; ++t) bound += gain[t];
    st.pairs += held[j];
    st.users_full += held[j] == N;
    st.users_none += held[j] == 0;
    st.max_offers = std::max(st.max_offers, held[j]);
  }
  if (rank == 0)
    for (index_t p = 0; p < np; ++p) bound += static_cast<double>(A) * price[p];

  // Each owner writes its products' rows, best affinity first.
  std::vector<Audience> result(domains.size());
  for (std::size_t d = 0; d < domains.size(); ++d) result[d].domain = domains[d].first;
  for (index_t p = 0; p < np; ++p) {
    Audience& a = result[products[p].audience];
    ++a.products;
    if (products[p].owner != rank) continue;
    std::vector<Bid>& h = holders[p];
    std::sort(h.begin(), h.end(), [](const Bid& x, const Bid& y) { return TopN::better(x.score, x.user, y.score, y.user); });
    a.items.push_back(products[p].item);
    for (int t = 0; t < A; ++t) {
      const bool have = t < static_cast<int>(h.size());
      a.users.push_back(have ? h[t].user : -1);
      a.scores.push_back(have ? h[t].score : std::numeric_limits<real>::quiet_NaN());
      if (have) affinity += h[t].score;
    }
  }
  for (std::size_t d = 0; d < domains.size(); ++d) {
    Audience& a = result[d];
    a.first = even_slice(a.products, rank, P).begin;
    mark_control(a, A, control_fraction, seed);
  }
  st.affinity = comm.sum(affinity);
  st.bound = comm.sum(bound);
  st.eligible_users = comm.sum(static_cast<count_t>(nu));
  st.pairs = comm.sum(st.pairs);
  st.users_full = comm.sum(st.users_full);
  st.users_none = comm.sum(st.users_none);
  st.max_offers = comm.max(st.max_offers);
  if (stats) *stats = st;
  return result;
}

}  // namespace crossmf
