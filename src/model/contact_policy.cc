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
// the final prices, so the total is within epsilon x (offers made) of the optimum (Bertsekas'
// epsilon-complementary slackness).
constexpr double kEpsilonShare = 1e-3;
// The length of a user's list of products to bid among (Candidates): kCandidatesPerOffer per
// offer allowed and at least kMinCandidates (all of them on small catalogues).
constexpr int kCandidatesPerOffer = 8;
constexpr int kMinCandidates = 64;
// The caps hold after every round, so a run that reaches this stops where it stands.
constexpr int kMaxRounds = 100000;
constexpr index_t kUserTile = 64;

struct Product { index_t item; int audience; int owner; };
struct Bid { index_t product; index_t user; real price; real score; std::int32_t fresh; };  // user: original id
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

// Per eligible local user, a list of its best `L` products by value (affinity minus price) among
// those it has not rated and values above 0 (an offer of none adds nothing), best first, product
// -1 padding; and `outside`, a bound on the value of every product off the list (0 when every
// product of positive value is on it). Prices only rise, so the bound holds until the list is
// made again, which a user's bids ask for when the list no longer shows its best (m+1).
// The affinity is build_audience's, term for term.
class Candidates {
 public:
  Candidates(const Partition& part, const Factors& f, const std::vector<Product>& products, const std::vector<index_t>& users,
             int L)
      : part_(part), f_(f), users_(users), L_(L), np_(static_cast<index_t>(products.size())), Y_(np_, f.k),
        item_bias_(np_, 0), position_(part.n_items, -1) {
    for (index_t p = 0; p < np_; ++p) {
      const index_t s = part.item_scatter.forward(products[p].item);
      Y_.row(p) = f.items.row(s).head(f.k);
      if (f.biases) item_bias_[p] = f.items(s, f.k);
      position_[s] = p;
    }
    product.assign(users.size() * L, -1);
    score.assign(users.size() * L, std::numeric_limits<real>::quiet_NaN());
    outside.assign(users.size(), 0);
  }

  // Makes the lists of users[which[...]] at these prices.
  void make(const std::vector<index_t>& which, const std::vector<real>& price, int threads) {
    const int k = f_.k;
    const index_t n = static_cast<index_t>(which.size());
    const Kernels& K = kernels();
#pragma omp parallel num_threads(threads)
    {
      Matrix X, S;
      std::vector<std::uint8_t> rated(np_, 0);
      TopN top(L_);
      std::vector<real> unused(L_);
#pragma omp for schedule(dynamic, 1)
      for (index_t u0 = 0; u0 < n; u0 += kUserTile) {
        const index_t tu = std::min(kUserTile, n - u0);
        X.resize(tu, k);
        for (index_t j = 0; j < tu; ++j) X.row(j) = f_.users.row(users_[which[u0 + j]]).head(k);
        S.resize(tu, np_);
        K.products(X.data(), tu, k, Y_.data(), np_, k, k, S.data());
        for (index_t j = 0; j < tu; ++j) {
          const index_t slot = which[u0 + j], u = users_[slot];
          const real user_bias = f_.biases ? f_.mu + f_.users(u, k) : real(0);
          auto affinity = [&](index_t p) { return f_.biases ? S(j, p) + (item_bias_[p] + user_bias) : S(j, p); };
          auto each_rated = [&](auto mark) {
            for (const Csr* c : {&part_.by_user, &part_.test_by_user})
              if (c->rows() > u)
                for (count_t e = c->ptr[u]; e < c->ptr[u + 1]; ++e)
                  if (position_[c->col[e]] >= 0) mark(position_[c->col[e]]);
          };
          each_rated([&](index_t p) { rated[p] = 1; });
          top.reset(L_);
          index_t positive = 0;
          for (index_t p = 0; p < np_; ++p) {
            const real value = affinity(p) - price[p];
            if (rated[p] || !(value > 0)) continue;
            top.push(value, p);
            ++positive;
          }
          each_rated([&](index_t p) { rated[p] = 0; });
          const std::size_t at = static_cast<std::size_t>(slot) * L_;
          top.write(product.data() + at, unused.data());
          outside[slot] = positive > L_ ? top.threshold() : real(0);
          for (int c = 0; c < L_; ++c)
            score[at + c] = product[at + c] >= 0 ? affinity(product[at + c]) : std::numeric_limits<real>::quiet_NaN();
        }
      }
    }
  }

  std::vector<index_t> product;  // [users, L]
  std::vector<real> score;       // the affinity of each
  std::vector<real> outside;

 private:
  const Partition& part_;
  const Factors& f_;
  const std::vector<index_t>& users_;
  int L_;
  index_t np_;
  Matrix Y_;
  std::vector<real> item_bias_;
  std::vector<index_t> position_;  // scattered item -> product
};

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
  Candidates cand(part, f, products, users, L);
  std::vector<index_t> all_users(nu);
  for (index_t j = 0; j < nu; ++j) all_users[j] = j;
  std::vector<real> price(np, 0);
  cand.make(all_users, price, threads);
  real top_score = 0;
  for (std::size_t c = 0; c < cand.product.size(); ++c)
    if (cand.product[c] >= 0) top_score = std::max(top_score, cand.score[c]);
  const real epsilon = static_cast<real>(kEpsilonShare * comm.max(top_score));

  // Users' side: the products each holds. Products' side (their owners): the holders, best bid
  // first. `price` is replicated: what a bid must beat, 0 while a product has room.
  std::vector<index_t> hold(static_cast<std::size_t>(nu) * N);
  std::vector<int> held(nu, 0);
  std::vector<std::vector<Bid>> holders(np);
  auto owner_of_user = [&](index_t original_id) { return part.users.owner(part.user_scatter.forward(original_id)); };

  ContactStats st;
  st.epsilon = epsilon;
  std::vector<std::pair<real, int>> values;  // (value at current prices, place in the list)
  std::vector<std::vector<Bid>> to(P);
  // User j's bids: for its best m = N - held products by value, each at the price that leaves it
  // epsilon short of indifference with its (m+1)-th best (or with no offer). False, and no bid,
  // when its list may no longer hold those m+1.
  auto bid = [&](index_t j, bool stale_ok) {
    const int m = N - held[j];
    if (m == 0) return true;
    values.clear();
    const std::size_t at = static_cast<std::size_t>(j) * L;
    for (int c = 0; c < L && cand.product[at + c] >= 0; ++c) {
      const index_t p = cand.product[at + c];
      bool mine = false;
      for (int h = 0; h < held[j]; ++h) mine |= hold[static_cast<std::size_t>(j) * N + h] == p;
      const real v = cand.score[at + c] - price[p];
      if (!mine && v > 0) values.push_back({v, c});
    }
    const std::size_t take = std::min<std::size_t>(m, values.size());
    const std::size_t keep = std::min(take + 1, values.size());
    std::partial_sort(values.begin(), values.begin() + keep, values.end(),
                      [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    const real next = values.size() > take ? values[take].first : real(0);
    if (!stale_ok && next < cand.outside[j]) return false;
    for (std::size_t t = 0; t < take; ++t) {
      const std::size_t c = at + values[t].second;
      const index_t p = cand.product[c];
      to[products[p].owner].push_back({p, original[j], cand.score[c] - next + epsilon, cand.score[c], 1});
    }
    return true;
  };
  std::vector<index_t> stale;
  for (;; ++st.rounds) {
    for (auto& t : to) t.clear();
    stale.clear();
    for (index_t j = 0; j < nu; ++j)
      if (!bid(j, false)) stale.push_back(j);
    cand.make(stale, price, threads);
    for (index_t j : stale) bid(j, true);
    count_t bids = 0;
    for (const auto& t : to) bids += static_cast<count_t>(t.size());
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
        if ((t < stay) == static_cast<bool>(all[t].fresh)) told[owner_of_user(all[t].user)].push_back({p, all[t].user, t < stay});
        all[t].fresh = 0;
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
  cand.make(all_users, price, threads);  // lists best value first at the final prices
  for (index_t j = 0; j < nu; ++j) {
    const std::size_t at = static_cast<std::size_t>(j) * L;
    for (int c = 0; c < std::min(N, L) && cand.product[at + c] >= 0; ++c) bound += cand.score[at + c] - price[cand.product[at + c]];
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
