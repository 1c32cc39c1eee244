package cost

// Default is the price table berth uses where berth.yaml has no pricing:
// common EKS node instance types, Linux, us-east-1, in USD.
//
// Source, as of 2025-06-01: on-demand from aws.amazon.com/ec2/pricing/on-demand
// (us-east-1, Linux); spot as typical us-east-1 prices of that month in the
// EC2 spot price history (`aws ec2 describe-spot-price-history`), which move
// hourly and by zone — treat them as an estimate; storage is EBS gp3
// ($0.08/GB-month). Set berth.yaml's pricing for your region and discounts.
func Default() Table {
	return Table{
		Region:         "us-east-1",
		Date:           "2025-06-01",
		StorageGBMonth: 0.08,
		Instances: map[string]Price{
			"t3.medium":   {OnDemand: 0.0416, Spot: 0.0125},
			"t3.large":    {OnDemand: 0.0832, Spot: 0.0250},
			"t3.xlarge":   {OnDemand: 0.1664, Spot: 0.0500},
			"t3.2xlarge":  {OnDemand: 0.3328, Spot: 0.1000},
			"m5.large":    {OnDemand: 0.096, Spot: 0.0370},
			"m5.xlarge":   {OnDemand: 0.192, Spot: 0.0740},
			"m5.2xlarge":  {OnDemand: 0.384, Spot: 0.1480},
			"m5.4xlarge":  {OnDemand: 0.768, Spot: 0.2960},
			"m5a.large":   {OnDemand: 0.086, Spot: 0.0350},
			"m5a.xlarge":  {OnDemand: 0.172, Spot: 0.0700},
			"m5a.2xlarge": {OnDemand: 0.344, Spot: 0.1400},
			"m6i.large":   {OnDemand: 0.096, Spot: 0.0360},
			"m6i.xlarge":  {OnDemand: 0.192, Spot: 0.0720},
			"m6i.2xlarge": {OnDemand: 0.384, Spot: 0.1440},
			"m6i.4xlarge": {OnDemand: 0.768, Spot: 0.2880},
			"m7i.large":   {OnDemand: 0.1008, Spot: 0.0400},
			"m7i.xlarge":  {OnDemand: 0.2016, Spot: 0.0800},
			"m7i.2xlarge": {OnDemand: 0.4032, Spot: 0.1600},
			"m6g.large":   {OnDemand: 0.077, Spot: 0.0300},
			"m6g.xlarge":  {OnDemand: 0.154, Spot: 0.0600},
			"m6g.2xlarge": {OnDemand: 0.308, Spot: 0.1200},
			"m7g.large":   {OnDemand: 0.0816, Spot: 0.0330},
			"m7g.xlarge":  {OnDemand: 0.1632, Spot: 0.0660},
			"m7g.2xlarge": {OnDemand: 0.3264, Spot: 0.1320},
			"c5.large":    {OnDemand: 0.085, Spot: 0.0330},
			"c5.xlarge":   {OnDemand: 0.17, Spot: 0.0660},
			"c5.2xlarge":  {OnDemand: 0.34, Spot: 0.1320},
			"c6i.large":   {OnDemand: 0.085, Spot: 0.0320},
			"c6i.xlarge":  {OnDemand: 0.17, Spot: 0.0640},
			"c6i.2xlarge": {OnDemand: 0.34, Spot: 0.1280},
			"c6i.4xlarge": {OnDemand: 0.68, Spot: 0.2560},
			"c7i.large":   {OnDemand: 0.08925, Spot: 0.0350},
			"c7i.xlarge":  {OnDemand: 0.1785, Spot: 0.0700},
			"c7i.2xlarge": {OnDemand: 0.357, Spot: 0.1400},
			"c6g.large":   {OnDemand: 0.068, Spot: 0.0270},
			"c6g.xlarge":  {OnDemand: 0.136, Spot: 0.0540},
			"c6g.2xlarge": {OnDemand: 0.272, Spot: 0.1080},
			"r5.large":    {OnDemand: 0.126, Spot: 0.0450},
			"r5.xlarge":   {OnDemand: 0.252, Spot: 0.0900},
			"r5.2xlarge":  {OnDemand: 0.504, Spot: 0.1800},
			"r6i.large":   {OnDemand: 0.126, Spot: 0.0440},
			"r6i.xlarge":  {OnDemand: 0.252, Spot: 0.0880},
			"r6i.2xlarge": {OnDemand: 0.504, Spot: 0.1760},
			"r6g.large":   {OnDemand: 0.1008, Spot: 0.0380},
			"r6g.xlarge":  {OnDemand: 0.2016, Spot: 0.0760},
		},
	}
}
