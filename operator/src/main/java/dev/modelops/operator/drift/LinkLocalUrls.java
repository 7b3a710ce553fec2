package dev.modelops.operator.drift;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The operator's check, before it calls a DriftPolicy's Prometheus or webhook URL, that the URL's
 * host does not resolve to a link-local or cloud metadata address (169.254.0.0/16, fe80::/10,
 * 100.100.100.200, fd00:ec2::254): from inside the cluster those reach the node's metadata
 * service and its credentials. The CRD's rule refuses such hosts written literally; this catches
 * names that resolve there and other notations of the same addresses. Such a URL is called only
 * when the policy says spec.allowLinkLocal and the operator's own setting allows it too (a policy
 * is written by whoever may edit its namespace; the operator's setting by whoever installs it).
 * Loopback and every other address are allowed.
 *
 * <p>The name is resolved here and again when the HTTP client connects: a DNS answer that changes
 * in between (DNS rebinding) is not caught; an egress NetworkPolicy on the operator is the complete
 * answer to that.
 */
public final class LinkLocalUrls {
  /** Resolves a host to its addresses, as the HTTP client will. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private static final byte[] ALIBABA_METADATA = {100, 100, 100, (byte) 200};
  private static final byte[] AWS_METADATA_V6 = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};

  private final boolean operatorAllows;
  private final Resolver resolver;

  /** With the system's resolver. */
  public LinkLocalUrls(boolean operatorAllows) {
    this(operatorAllows, InetAddress::getAllByName);
  }

  public LinkLocalUrls(boolean operatorAllows, Resolver resolver) {
    this.operatorAllows = operatorAllows;
    this.resolver = resolver;
  }

  /**
   * Why the operator will not call {@code url} (named {@code field} in the message), or null when
   * it may. A URL that cannot be parsed or resolved is not refused here: the call fails on its own
   * and says why.
   */
  public String refusal(String field, String url, boolean policyAllows) {
    String host;
    try {
      host = URI.create(url).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (host == null) {
      return null;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      // An IPv6 literal; its zone (%25eth0) does not change what the address is.
      host = host.substring(1, host.length() - 1).replaceFirst("%.*$", "");
    }
    List<String> forbidden;
    try {
      forbidden = Arrays.stream(resolver.resolve(host)).filter(LinkLocalUrls::forbidden).map(InetAddress::getHostAddress).distinct().toList();
    } catch (UnknownHostException e) {
      return null;
    }
    if (forbidden.isEmpty() || (policyAllows && operatorAllows)) {
      return null;
    }
    String what = field + " " + url + " leads to " + String.join(", ", forbidden)
        + ", a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, 100.100.100.200, fd00:ec2::254) where the"
        + " operator would reach the node's metadata service and its credentials; not called";
    return what + (policyAllows
        ? ": spec.allowLinkLocal is true, but this operator does not allow such URLs (its MODELOPS_ALLOW_LINK_LOCAL_URLS,"
            + " the chart's allowLinkLocalUrls)"
        : ": give the receiver's own address, or set spec.allowLinkLocal: true if you mean it (the operator must allow"
            + " it too: MODELOPS_ALLOW_LINK_LOCAL_URLS)");
  }

  /** Whether an address is link-local or a cloud metadata service's. */
  static boolean forbidden(InetAddress a) {
    if (a.isLinkLocalAddress()) {
      return true; // 169.254.0.0/16, fe80::/10; Java reads ::ffff:169.254.x.x as the IPv4 address
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return Arrays.equals(b, ALIBABA_METADATA);
    }
    Inet6Address six = (Inet6Address) a;
    // ::169.254.x.x (IPv4-compatible, which Java keeps as IPv6) and AWS's IPv6 metadata address.
    return (six.isIPv4CompatibleAddress() && (b[12] & 0xff) == 169 && (b[13] & 0xff) == 254) || Arrays.equals(b, AWS_METADATA_V6);
  }
}
