// placeholder until the cluster tests land
