package dev.modelops.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * What the operator refuses to call, on the addresses the JDK resolves a URL's host to (IP
 * literals in every notation the JDK accepts; names through a resolver, as DNS would answer).
 */
class LinkLocalUrlsTest {
  final LinkLocalUrls strict = new LinkLocalUrls(false);

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://[::ffff:169.254.169.254]:9090",
      "http://[::169.254.169.254]/", "http://[fe80::1%252]:9090", "http://[FE80::1]/", "http://100.100.100.200/", "http://[fd00:ec2::254]/",
      "https://user@169.254.170.2/v2/credentials"})
  void linkLocalAndMetadataAddressesInAnyNotationAreRefusedNamingFieldUrlAndAddress(String url) {
    String refusal = strict.refusal("spec.alert.webhook", url, false);
    assertThat(refusal).as(url).isNotNull().startsWith("spec.alert.webhook " + url + " leads to ")
        .contains("link-local or cloud metadata address", "spec.allowLinkLocal: true");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:9090", "http://localhost:9090", "http://[::1]:9090", "http://10.0.0.7:9090",
      "http://169.254.169.254@127.0.0.1/", "http://127.0.0.1/?next=169.254.169.254", "not a url", "http://no-such-host.invalid/"})
  void loopbackOrdinaryAddressesAndUrlsTheCallRefusesItselfAreLeftAlone(String url) {
    assertThat(strict.refusal("spec.source.prometheusUrl", url, false)).as(url).isNull();
  }

  @Test
  void aNameThatResolvesToTheMetadataServiceIsRefusedByTheAddressItLeadsTo() throws Exception {
    InetAddress metadata = InetAddress.getByAddress("metadata.google.internal", new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254});
    LinkLocalUrls.Resolver dns = host -> {
      if (host.equals("prometheus.monitoring.svc")) {
        return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 96, 0, 9})};
      }
      if (host.equals("hooks.example.com")) {
        // One good and one bad answer: the client may pick either.
        return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 215, 14}), metadata};
      }
      throw new UnknownHostException(host);
    };
    LinkLocalUrls urls = new LinkLocalUrls(false, dns);
    assertThat(urls.refusal("spec.source.prometheusUrl", "http://prometheus.monitoring.svc:9090", false)).isNull();
    assertThat(urls.refusal("spec.alert.webhook", "https://hooks.example.com/drift", false))
        .contains("https://hooks.example.com/drift leads to 169.254.169.254");
  }

  @Test
  void bothThePolicyAndTheOperatorMustAllowALinkLocalUrl() {
    String url = "http://169.254.169.254/";
    assertThat(strict.refusal("spec.alert.webhook", url, true)).as("the policy alone cannot lift it")
        .contains("spec.allowLinkLocal is true, but this operator does not allow such URLs", "MODELOPS_ALLOW_LINK_LOCAL_URLS");
    LinkLocalUrls permissive = new LinkLocalUrls(true);
    assertThat(permissive.refusal("spec.alert.webhook", url, false)).as("nor the operator alone").isNotNull();
    assertThat(permissive.refusal("spec.alert.webhook", url, true)).isNull();
  }
}
