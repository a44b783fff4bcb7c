// Free-space basic transmission loss, ITU-R P.525-4 §2.2 eq. (7)/(8):
// Lbf = 20 log10(4 π d / λ) dB.  Ignores terrain; loss at the 3-D distance
// between the antenna tips.
#include <cmath>

#include "phusong/core/error.hpp"
#include "phusong/propagation/models.hpp"

namespace phusong::prop {

namespace {
class FreeSpace final : public Model {
 public:
  std::string_view name() const override { return "fspl"; }
  std::string_view description() const override {
    return "free-space loss (ITU-R P.525-4 eq. 7), terrain ignored";
  }
  bool uses_terrain() const override { return false; }
  void check(const LinkParams& p, const std::string& source) const override {
    check_common(p, source, 1.0, 1.0e6);
  }
  PathLoss loss(const Profile& prof, const LinkParams& p) const noexcept override {
    PathLoss out;
    if (prof.size() < 2) {
      out.loss_db = std::nan("");
      return out;
    }
    const double d = prof.length_m();
    const double za = prof.height_m.front() + p.tx_height_m;
    const double zb = prof.height_m.back() + p.rx_height_m;
    const double d3 = std::max(std::hypot(d, za - zb), 1.0);
    out.loss_db = fspl_db(p.freq_mhz, d3);
    out.mode = Mode::LineOfSight;
    return out;
  }
};
}  // namespace

std::unique_ptr<Model> make_fspl() { return std::make_unique<FreeSpace>(); }

}  // namespace phusong::prop
